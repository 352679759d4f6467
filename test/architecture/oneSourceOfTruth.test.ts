// One source of truth for kernel numbers: BPF opcodes, UAPI values and kernel limits are
// defined in src/bpf/ and src/common/ only (opcodes.ts, helperIds.ts, registers.ts,
// uapiFlags.ts, kernelLimits.ts, kernelStructs.ts), and opcode switches name their cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { files, layerOf, SRC } from './srcFiles.ts';

/** Lines of every source file outside `allowed` layers, with their place. */
function linesOutside(allowed: readonly string[]): { at: string; text: string }[] {
  return files(SRC)
    .filter((f) => !allowed.includes(layerOf(f)))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((text, i) => ({ at: `${relative(SRC, f)}:${i + 1}`, text })),
    );
}

/** `const BPF_X = ...`, `export const MAX_BPF_X = ...`, and `, BPF_Y = ...` in a multi-name declaration. */
const KERNEL_CONSTANT_DEF =
  /^\s*(?:export\s+)?(?:const|let|var)\s+(?:BPF_|MAX_BPF_)\w*\s*[=:]|^\s*(?:export\s+)?(?:const|let|var)\s.*,\s*(?:BPF_|MAX_BPF_)\w*\s*=/;

test('BPF_* and MAX_BPF_* constants are defined only in src/bpf and src/common', () => {
  const bad = linesOutside(['bpf', 'common'])
    .filter((l) => KERNEL_CONSTANT_DEF.test(l.text))
    .map((l) => `${l.at}: ${l.text.trim()}`);
  assert.deepEqual(bad, []);
});

test('outside src/bpf, opcode switches name their cases (no raw `case 0x..` labels)', () => {
  const bad = linesOutside(['bpf'])
    .filter((l) => /\bcase\s+0x[0-9a-f]+\s*:/i.test(l.text))
    .map((l) => `${l.at}: ${l.text.trim()}`);
  assert.deepEqual(bad, []);
});

test('the rules see a definition and a raw case label when there is one', () => {
  assert.ok(KERNEL_CONSTANT_DEF.test('const BPF_PSEUDO_CALL = 1;'));
  assert.ok(KERNEL_CONSTANT_DEF.test('export const MAX_BPF_STACK = 512;'));
  assert.ok(KERNEL_CONSTANT_DEF.test('export const X = 1, BPF_JEQ = 0x10;'));
  assert.ok(!KERNEL_CONSTANT_DEF.test("import { BPF_JEQ } from '../../bpf/opcodes.ts';"));
  assert.ok(!KERNEL_CONSTANT_DEF.test('const cls = BPF_CLASS(code);'));
});
