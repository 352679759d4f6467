// libbpf's structural rules on small writer-built objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadObject, ObjCode } from '../../src/object/index.ts';
import { insnBytes, writeElf, type WSection, type WSymbol } from './elfWriter.ts';

const AX = 0x6;
const GLOBAL_FUNC = (1 << 4) | 2,
  LOCAL_FUNC = 2;
const CALL = 0x85,
  EXIT = 0x95,
  MOV = 0xb7,
  LD_IMM64 = 0x18;
const SYMTAB = (nsecs: number) => nsecs + 2; // writer order: [null, ...secs, .strtab, .symtab]

function rel(entries: [number, number, number][]): Uint8Array {
  const b = new Uint8Array(entries.length * 16);
  const dv = new DataView(b.buffer);
  entries.forEach(([off, type, sym], i) => {
    dv.setBigUint64(i * 16, BigInt(off), true);
    dv.setUint32(i * 16 + 8, type, true);
    dv.setUint32(i * 16 + 12, sym, true);
  });
  return b;
}

function load(secs: WSection[], syms: WSymbol[]) {
  return loadObject(writeElf(secs, syms), 'r.o');
}

describe('structural rules', () => {
  const text = insnBytes([
    [MOV, 0, 0, 1],
    [EXIT, 0, 0, 0],
  ]);
  const callerTc = insnBytes([
    [CALL, 0x10, 0, -1],
    [EXIT, 0, 0, 0],
  ]);

  it('links a call to a global .text function through its symbol', () => {
    const secs: WSection[] = [
      { name: '.text', type: 1, flags: AX, data: text },
      { name: 'tc', type: 1, flags: AX, data: callerTc },
      { name: '.reltc', type: 9, data: rel([[0, 10, 1]]), entsize: 16, info: 2, link: SYMTAB(3) },
    ];
    const r = load(secs, [
      { name: 'sub', info: GLOBAL_FUNC, shndx: 1, size: 16 },
      { name: 'prog', info: GLOBAL_FUNC, shndx: 2, size: 16 },
    ]);
    assert.ok(r.ok, r.ok ? 'loaded' : r.error.message);
    const p = r.value.programs[0]!;
    assert.deepEqual(
      p.funcs.map((f) => [f.name, f.start as number, f.global]),
      [
        ['prog', 0, true],
        ['sub', 2, true],
      ],
    );
    assert.equal(p.insns[0]!.imm, 1);
  });

  it('treats a hidden global .text function as static (libbpf downgrades its BTF linkage)', () => {
    const secs: WSection[] = [
      { name: '.text', type: 1, flags: AX, data: text },
      { name: 'tc', type: 1, flags: AX, data: callerTc },
      { name: '.reltc', type: 9, data: rel([[0, 10, 1]]), entsize: 16, info: 2, link: SYMTAB(3) },
    ];
    const bytes = writeElf(secs, [
      { name: 'sub', info: GLOBAL_FUNC, shndx: 1, size: 16 },
      { name: 'prog', info: GLOBAL_FUNC, shndx: 2, size: 16 },
    ]);
    // st_other of symbol 1 (the writer puts .symtab data right before the section headers; find it via its header).
    const dv = new DataView(bytes.buffer);
    const shoff = Number(dv.getBigUint64(40, true));
    const symOff = Number(dv.getBigUint64(shoff + SYMTAB(3) * 64 + 24, true));
    bytes[symOff + 24 + 5] = 2; // STV_HIDDEN
    const r = loadObject(bytes, 'r.o');
    assert.ok(r.ok, r.ok ? 'loaded' : r.error.message);
    assert.equal(r.value.subprograms[0]!.global, false);
  });

  it('skips relocations that fall outside every function (overridden weak code)', () => {
    const code = insnBytes([
      [MOV, 0, 0, 0],
      [EXIT, 0, 0, 0],
      [LD_IMM64, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    const secs: WSection[] = [
      { name: 'xdp', type: 1, flags: AX, data: code },
      { name: '.relxdp', type: 9, data: rel([[16, 1, 1]]), entsize: 16, info: 1, link: SYMTAB(2) },
    ];
    const r = load(secs, [{ name: 'prog', info: GLOBAL_FUNC, shndx: 1, size: 16 }]);
    assert.ok(r.ok, r.ok ? 'loaded' : r.error.message);
  });

  it('rejects an extern that BTF does not declare, naming the symbol (libbpf: no BTF for extern)', () => {
    const code = insnBytes([
      [LD_IMM64, 1, 0, 0],
      [0, 0, 0, 0],
      [EXIT, 0, 0, 0],
    ]);
    const secs: WSection[] = [
      { name: 'xdp', type: 1, flags: AX, data: code },
      { name: '.relxdp', type: 9, data: rel([[0, 1, 2]]), entsize: 16, info: 1, link: SYMTAB(2) },
    ];
    const r = load(secs, [
      { name: 'prog', info: GLOBAL_FUNC, shndx: 1, size: 24 },
      { name: 'CONFIG_HZ', info: (1 << 4) | 0, shndx: 0 },
    ]);
    assert.ok(!r.ok, 'rejected');
    assert.deepEqual([r.error.code, r.error.place.section], [ObjCode.externBad, '.symtab']);
    assert.match(r.error.message, /extern 'CONFIG_HZ': BTF is required/);
  });

  it('rejects a call from an entry program without a relocation (subprograms live in .text)', () => {
    const code = insnBytes([
      [CALL, 0x10, 0, 0],
      [EXIT, 0, 0, 0],
    ]);
    const r = load([{ name: 'xdp', type: 1, flags: AX, data: code }], [{ name: 'prog', info: GLOBAL_FUNC, shndx: 1, size: 16 }]);
    assert.ok(!r.ok, 'rejected');
    assert.equal(r.error.code, ObjCode.linkBadCall);
  });

  it('rejects a call into the middle of a subprogram', () => {
    const secs: WSection[] = [
      { name: '.text', type: 1, flags: AX, data: text },
      {
        name: 'tc',
        type: 1,
        flags: AX,
        data: insnBytes([
          [CALL, 0x10, 0, 0],
          [EXIT, 0, 0, 0],
        ]),
      },
      { name: '.reltc', type: 9, data: rel([[0, 10, 1]]), entsize: 16, info: 2, link: SYMTAB(3) },
    ];
    // Section symbol + imm 0 -> .text insn 1, inside `sub`.
    const r = load(secs, [
      { info: 3, shndx: 1 },
      { name: 'sub', info: LOCAL_FUNC, shndx: 1, size: 16 },
      { name: 'prog', info: GLOBAL_FUNC, shndx: 2, size: 16 },
    ]);
    assert.ok(!r.ok, 'rejected');
    assert.equal(r.error.code, ObjCode.linkBadCall);
    assert.match(r.error.message, /inside 'sub'/);
  });

  it('rejects an executable section whose size is not a multiple of 8', () => {
    const r = load([{ name: 'xdp', type: 1, flags: AX, data: new Uint8Array(12) }], []);
    assert.ok(!r.ok, 'rejected');
    assert.deepEqual([r.error.code, r.error.place.section], [ObjCode.badSectionSize, 'xdp']);
  });
});
