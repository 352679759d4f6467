// Crafted inputs aimed at the loader's cost rather than its checks: each must be answered
// (loaded or rejected) without building anything proportional to a claimed count or to
// the square of the file size. The suite's time limit is the real assertion here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadObject, ObjCode } from '../../src/object/index.ts';
import { insnBytes, writeElf } from './elfWriter.ts';

const AX = 0x6; // SHF_ALLOC | SHF_EXECINSTR
const FUNC_GLOBAL = (1 << 4) | 2;
const FUNC_LOCAL = 2;
const CALL = 0x85,
  EXIT = 0x95,
  MOV_IMM = 0xb7;

describe('pathological objects', { timeout: 60_000 }, () => {
  it('a writer-built object with one program loads (the writer itself is sound)', () => {
    const code = insnBytes([
      [MOV_IMM, 0, 0, 0],
      [EXIT, 0, 0, 0],
    ]);
    const r = loadObject(writeElf([{ name: 'xdp', type: 1, flags: AX, data: code }], [{ name: 'prog', info: FUNC_GLOBAL, shndx: 1, size: 16 }]), 'w.o');
    assert.ok(r.ok, r.ok ? 'loaded' : r.error.message);
    assert.deepEqual(
      r.value.programs.map((p) => [p.name, p.progType, p.insns.length]),
      [['prog', 'xdp', 2]],
    );
  });

  it('rejects thousands of section headers sharing one code region instead of decoding it thousands of times', () => {
    const code = new Uint8Array(64 * 1024);
    const secs = [{ name: 'xdp', type: 1, flags: AX, data: code }];
    for (let i = 0; i < 4000; i++) secs.push({ name: `s${i}`, type: 1, flags: AX, offset: 64, size: code.length } as never);
    const r = loadObject(writeElf(secs, []), 'w.o');
    assert.ok(!r.ok, 'rejected');
    assert.equal(r.error.code, ObjCode.badSectionSize);
  });

  it('rejects symbol names that run on for a megabyte', () => {
    const long = new Uint8Array(1 << 20).fill(0x61);
    long[long.length - 1] = 0;
    const syms = Array.from({ length: 5000 }, (_, i) => ({ nameOff: 1 + i, info: 0, shndx: 0 }));
    const r = loadObject(writeElf([], syms, long), 'w.o');
    assert.ok(!r.ok, 'rejected');
    assert.equal(r.error.code, ObjCode.badString);
  });

  it('stops linking when many programs each append a long chain of subprograms', () => {
    // .text: N subprograms, each `call next; exit` (the last just exits); P programs call the first.
    const N = 20_000,
      P = 200;
    const text: [number, number, number, number][] = [];
    for (let i = 0; i < N; i++) text.push(i < N - 1 ? [CALL, 0x10, 0, 1] : [MOV_IMM, 0, 0, 0], [EXIT, 0, 0, 0]);
    const progs: [number, number, number, number][] = [];
    for (let i = 0; i < P; i++) progs.push([CALL, 0x10, 0, 0], [EXIT, 0, 0, 0]);
    const syms = [
      ...Array.from({ length: N }, (_, i) => ({ name: `f${i}`, info: FUNC_LOCAL, shndx: 1, value: i * 16, size: 16 })),
      ...Array.from({ length: P }, (_, i) => ({ name: `p${i}`, info: FUNC_GLOBAL, shndx: 2, value: i * 16, size: 16 })),
    ];
    // Each program's call needs a relocation against f0 (R_BPF_64_32, imm -1 -> f0 start).
    const rel = new Uint8Array(16 * P);
    const rdv = new DataView(rel.buffer);
    const f0 = 1; // symbol index of f0
    for (let i = 0; i < P; i++) {
      rdv.setBigUint64(i * 16, BigInt(i * 16), true);
      rdv.setUint32(i * 16 + 8, 10, true);
      rdv.setUint32(i * 16 + 12, f0, true);
    }
    for (let i = 0; i < P; i++) progs[i * 2] = [CALL, 0x10, 0, -1];
    const secs = [
      { name: '.text', type: 1, flags: AX, data: insnBytes(text) },
      { name: 'tc', type: 1, flags: AX, data: insnBytes(progs) },
      { name: '.reltc', type: 9, data: rel, entsize: 16, info: 2, link: 5 },
    ];
    const r = loadObject(writeElf(secs, syms), 'w.o');
    assert.ok(!r.ok, 'rejected');
    assert.equal(r.error.code, ObjCode.linkTooBig);
  });
});
