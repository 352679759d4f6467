// `dump --jited --elf`: the symbol file gdb's add-symbol-file reads, checked with binutils'
// readelf (an independent reader): a section per program at its JIT address, a function
// symbol per program, and a DWARF line table whose rows are the BPF instructions' first
// native bytes with their BTF lines. Skips, saying so, without readelf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadObject } from '../../src/object/index.ts';
import { symbolElf } from '../../src/cli/elfExport.ts';
import { jitPrograms, requireProfile } from '../../src/cli/jitAll.ts';

const ROOT = join(import.meta.dirname, '../..');
const hasReadelf = spawnSync('readelf', ['--version'], { stdio: 'ignore' }).status === 0;
const readelf = (args: string[], file: string): string => spawnSync('readelf', ['-W', ...args, file], { encoding: 'utf8' }).stdout;

function elfOf(arch: 'x86_64' | 'riscv64'): { file: string; jited: ReturnType<typeof jitPrograms> } {
  const path = join(ROOT, 'examples/tailchain.o');
  const r = loadObject(new Uint8Array(readFileSync(path)), path);
  assert.ok(r.ok);
  const jited = jitPrograms(r.value, r.value.programs, requireProfile(arch, undefined));
  const file = join(mkdtempSync(join(tmpdir(), 'bpfdbg-elf-')), `tailchain-${arch}.elf`);
  writeFileSync(file, symbolElf(jited, arch, path));
  return { file, jited };
}

test(
  'x86-64: sections and symbols at the JIT addresses, lines from BTF line info',
  { skip: hasReadelf ? false : 'readelf (binutils) is not installed' },
  () => {
    const { file, jited } = elfOf('x86_64');
    assert.match(readelf(['-h'], file), /Machine:\s+Advanced Micro Devices X86-64/);
    const sections = readelf(['-S'], file);
    for (const j of jited) assert.match(sections, new RegExp(`\\.text\\.${j.program.name}\\s+PROGBITS\\s+${j.funcAddrs[0]!.toString(16)}`));
    assert.match(sections, /\.debug_info/);
    const syms = readelf(['-s'], file);
    assert.match(syms, /ffffffffc0300000\s+111 FUNC\s+GLOBAL DEFAULT\s+\d+ entry/);
    assert.match(syms, /ffffffffc0200000\s+57 FUNC\s+GLOBAL DEFAULT\s+\d+ stage_verdict/);
    const lines = readelf(['--debug-dump=decodedline'], file);
    // entry: line 51 from the prologue, 53 at insn 1 (entry+0x20, where `break tailchain.c:53` lands), 55 at the fall-through.
    assert.match(lines, /tailchain\.c\s+51\s+0xffffffffc0300000/);
    assert.match(lines, /tailchain\.c\s+53\s+0xffffffffc0300020/);
    assert.match(lines, /bpf_helpers\.h\s+154\s+0xffffffffc030002f/);
    assert.match(lines, /tailchain\.c\s+55\s+0xffffffffc0300061/);
    assert.doesNotMatch(readelf(['--debug-dump=info'], file), /Warning|Error/i);
  },
);

test('riscv64: EM_RISCV with RVC, the same programs and lines', { skip: hasReadelf ? false : 'readelf (binutils) is not installed' }, () => {
  const { file } = elfOf('riscv64');
  assert.match(readelf(['-h'], file), /Machine:\s+RISC-V[\s\S]*Flags:\s+0x1, RVC/);
  assert.match(readelf(['--debug-dump=decodedline'], file), /tailchain\.c\s+53\s+0xffffffffc03000/);
});
