// linkImage fills address fields from a placement, leaving everything else alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/bpf/insn.ts';
import { layoutPlacement, linkImage } from '../../src/jit/link.ts';
import { HELPER_BASE, HELPER_STRIDE, TEXT_BASE, X86_RETURN_THUNK } from '../../src/common/layout.ts';
import { jit, makeImage } from './x86_64/fixtures.ts';

const rel32At = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getInt32(at, true);

const image = () =>
  makeImage([
    { name: 'main', insns: [insn(0x85, 0, 0, 0, 5), insn(0x85, 0, 1, 0, 1), insn(0x95)] },
    { name: 'sub', insns: [insn(0xb7, 0, 0, 0, 1), insn(0x95)] },
  ]);

test('helper, bpf2bpf and return-thunk rel32 fields point at the placed targets', () => {
  const j = jit(image(), 'linux-6.18');
  const bases = [TEXT_BASE + 0x40n, TEXT_BASE + 0x1000n];
  const r = linkImage(j, layoutPlacement(bases));
  assert.ok(r.ok);
  const main = r.value[0]!;
  for (const rel of j.funcs[0]!.relocs) {
    const end = bases[0]! + BigInt(rel.at) + 4n;
    const target = end + BigInt(rel32At(main, rel.at));
    if (rel.kind === 'helperCall') assert.equal(target, HELPER_BASE + 5n * HELPER_STRIDE);
    else if (rel.kind === 'funcCall') assert.equal(target, bases[1]);
    else if (rel.kind === 'retThunk') assert.equal(target, X86_RETURN_THUNK);
    else assert.fail(`unexpected reloc ${rel.kind}`);
  }
  // Bytes outside relocs are untouched, and the JitImage itself is not modified.
  assert.equal(main.length, j.funcs[0]!.code.length);
  assert.equal(rel32At(j.funcs[0]!.code, j.funcs[0]!.relocs[0]!.at), 0);
});

test('addresses come from the placement argument, not the layout constants', () => {
  const j = jit(image(), 'linux-6.18');
  const p = { ...layoutPlacement([0x1000n, 0x2000n]), helperAddr: (id: number) => 0x9000n + BigInt(id) };
  const r = linkImage(j, p);
  assert.ok(r.ok);
  const at = j.funcs[0]!.relocs.find((x) => x.kind === 'helperCall')!.at;
  assert.equal(0x1000n + BigInt(at) + 4n + BigInt(rel32At(r.value[0]!, at)), 0x9005n);
});

test('a target out of rel32 reach is a Diag, not a wrapped displacement', () => {
  const j = jit(image(), 'linux-6.18');
  const r = linkImage(j, layoutPlacement([0x100000000000n, 0x100000001000n])); // helpers live near 0xffffffff81000000
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, 'jit.link-out-of-range');
});
