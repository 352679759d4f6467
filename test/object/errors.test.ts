// Malformed objects: each is one precise corruption of a real object, and each must be
// rejected with a stable code and a place naming the file, section, file offset and,
// where there is one, the instruction.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Diag } from '../../src/common/diag.ts';
import { parseElf, type Elf } from '../../src/object/elf.ts';
import { loadObject, ObjCode } from '../../src/object/index.ts';
import { haveTestdata, objDir, readBytes, SKIP_REASON } from './testdata.ts';

const FILE = 'bad.o';

/** A writable copy of a selftest object plus the offsets needed to corrupt it. */
function fixture(name: string) {
  const bytes = readBytes(path.join(objDir, `${name}.o`)).slice();
  const elf: Elf = parseElf(bytes, FILE);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sec = (n: string) => {
    const s = elf.sections.find((x) => x.name === n);
    assert.ok(s, `section ${n} exists`);
    return s;
  };
  const sym = (n: string) => {
    const s = elf.symbols.find((x) => x.name === n);
    assert.ok(s, `symbol ${n} exists`);
    return { ...s, off: elf.symtab.offset + s.index * 24 };
  };
  const reject = (): Diag => {
    const r = loadObject(bytes, FILE);
    assert.ok(!r.ok, 'the corrupted object is rejected');
    assert.equal(r.error.place.file, FILE);
    assert.ok(!r.error.message.includes('\n'), 'one-line message');
    return r.error;
  };
  /** The object loads, program `prog` alone is refused: its reason. */
  const rejectProgram = (prog: string): Diag => {
    const r = loadObject(bytes, FILE);
    assert.ok(r.ok, `the object still loads: ${r.ok ? '' : r.error.message}`);
    assert.ok(!r.value.programs.some((p) => p.name === prog), `${prog} is not loaded`);
    const d = r.value.rejected?.find((p) => p.name === prog)?.error;
    assert.ok(d, `${prog} is listed as rejected`);
    assert.equal(d.place.file, FILE);
    assert.ok(!d.message.includes('\n'), 'one-line message');
    return d;
  };
  return { bytes, elf, dv, sec, sym, reject, rejectProgram };
}

describe('malformed objects are rejected with a code and a place', { skip: haveTestdata ? false : SKIP_REASON }, () => {
  it('rejects a file cut inside the ELF header', () => {
    const r = loadObject(readBytes(path.join(objDir, 'tc_dummy.o')).slice(0, 40), FILE);
    assert.ok(!r.ok, 'rejected');
    assert.equal(r.error.code, ObjCode.truncated);
    assert.equal(r.error.place.fileOff, 0);
  });

  it('rejects a file that is not ELF', () => {
    const f = fixture('tc_dummy');
    f.bytes[1] = 0x41;
    assert.equal(f.reject().code, ObjCode.badMagic);
  });

  it('rejects a 32-bit ELF class at offset 4', () => {
    const f = fixture('tc_dummy');
    f.bytes[4] = 1;
    assert.deepEqual([f.reject().code, f.reject().place.fileOff], [ObjCode.badClass, 4]);
  });

  it('rejects a section whose data lies past the end of the file, naming the section and its header', () => {
    const f = fixture('tailcall1');
    const btf = f.sec('.BTF');
    f.dv.setBigUint64(btf.hdrOff + 24, BigInt(f.bytes.length - 8), true);
    const d = f.reject();
    assert.equal(d.code, ObjCode.sectionOutOfBounds);
    assert.deepEqual([d.place.section, d.place.fileOff], ['.BTF', btf.hdrOff + 24]);
  });

  it('rejects a symbol table whose sh_link is not a string table', () => {
    const f = fixture('tailcall1');
    f.dv.setUint32(f.elf.symtab.hdrOff + 40, 0, true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section], [ObjCode.badLink, '.symtab']);
  });

  it('rejects a relocation naming a symbol index out of range, at the relocation entry', () => {
    const f = fixture('tailcall1');
    const rel = f.sec('.reltc');
    f.dv.setUint32(rel.offset + 12, 9999, true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.fileOff], [ObjCode.badRelSection, '.reltc', rel.offset]);
    assert.match(d.message, /symbol 9999/);
  });

  it('rejects a relocation offset outside its section', () => {
    const f = fixture('tailcall1');
    const rel = f.sec('.reltc');
    f.dv.setBigUint64(rel.offset, BigInt(f.sec('tc').size), true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.fileOff], [ObjCode.relocOutOfRange, 'tc', rel.offset]);
  });

  it('rejects a function that is not instruction-aligned, at its symbol', () => {
    const f = fixture('tailcall1');
    const s = f.sym('entry');
    f.dv.setBigUint64(s.off + 8, BigInt(s.value + 4), true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.fileOff], [ObjCode.misalignedFunction, 'tc', s.off]);
    assert.match(d.message, /'entry'/);
  });

  it('rejects a static entry program as libbpf does', () => {
    const f = fixture('tc_dummy');
    const s = f.sym('entry');
    f.bytes[s.off + 4] = (0 << 4) | 2; // STB_LOCAL, STT_FUNC
    const d = f.reject();
    assert.equal(d.code, ObjCode.staticProgram);
    assert.equal(d.message, "program 'entry' is static and not supported");
  });

  it("rejects a legacy 'maps' section", () => {
    const f = fixture('tailcall1');
    const m = f.sec('.maps');
    // Point the section name one byte further into ".maps": it now reads "maps".
    f.dv.setUint32(m.hdrOff, f.dv.getUint32(m.hdrOff, true) + 1, true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section], [ObjCode.legacyMaps, 'maps']);
  });

  it('rejects bad BTF magic at the start of .BTF', () => {
    const f = fixture('tailcall1');
    const btf = f.sec('.BTF');
    f.bytes[btf.offset] = 0;
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.fileOff], [ObjCode.btfBadHeader, '.BTF', btf.offset]);
  });

  it('rejects an unknown BTF kind, naming the type id and its record', () => {
    const f = fixture('tailcall1');
    const btf = f.sec('.BTF');
    const first = btf.offset + f.dv.getUint32(btf.offset + 4, true) + f.dv.getUint32(btf.offset + 8, true);
    f.dv.setUint32(first + 4, 0x1f << 24, true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.fileOff], [ObjCode.btfBadType, first]);
    assert.match(d.message, /\[1\].*unknown kind 31/);
  });

  it('rejects a BTF name offset outside the string section', () => {
    const f = fixture('tailcall1');
    const btf = f.sec('.BTF');
    const first = btf.offset + f.dv.getUint32(btf.offset + 4, true) + f.dv.getUint32(btf.offset + 8, true);
    f.dv.setUint32(first, 0x7fffffff, true);
    assert.equal(f.reject().code, ObjCode.btfBadString);
  });

  it('rejects a .BTF.ext line_info record size that is too small', () => {
    const f = fixture('tailcall1');
    const ext = f.sec('.BTF.ext');
    const hdrLen = f.dv.getUint32(ext.offset + 4, true);
    const lineOff = ext.offset + hdrLen + f.dv.getUint32(ext.offset + 16, true);
    f.dv.setUint32(lineOff, 3, true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.fileOff], [ObjCode.btfExtBad, '.BTF.ext', lineOff]);
  });

  it('rejects the program with a jump out of its function, naming it and the instruction; the others load', () => {
    const f = fixture('tailcall5');
    // entry (tc insns 6..20) has `if r4 == 5678 goto +1`: send it far away.
    const tc = f.sec('tc');
    let at = -1;
    for (let i = 6; i < 21; i++)
      if (f.bytes[tc.offset + i * 8] === 0x15) {
        at = i;
        break;
      }
    assert.ok(at >= 0, 'entry has a conditional jump');
    f.dv.setInt16(tc.offset + at * 8 + 2, 1000, true);
    const d = f.rejectProgram('entry');
    assert.deepEqual([d.code, d.place.section, d.place.program, d.place.insn, d.place.fileOff], [ObjCode.linkBadJump, 'tc', 'entry', at, tc.offset + at * 8]);
    assert.equal(d.message, `jump out of range from insn ${at} to ${at + 1001}`);
  });

  it('rejects a bpf-to-bpf call to nowhere', () => {
    const f = fixture('tc_bpf2bpf');
    const tc = f.sec('tc');
    f.dv.setInt32(tc.offset + 4, 500, true); // entry_tc: call -1 (reloc subprog_tc) -> +500
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.program, d.place.insn], [ObjCode.linkBadCall, 'tc', 'entry_tc', 0]);
  });

  it('rejects a truncated ld_imm64 pair', () => {
    const f = fixture('tailcall1');
    const tc = f.sec('tc');
    // entry's first ld_imm64 (relocated against jmp_table): corrupt its second slot's opcode.
    const rel = f.sec('.reltc');
    const off = Number(f.dv.getBigUint64(rel.offset, true));
    f.bytes[tc.offset + off + 8] = 0x07;
    assert.equal(f.rejectProgram('entry').code, ObjCode.linkBadLdImm64);
  });

  it('rejects a prog_array initialiser that names a subprogram or nothing', () => {
    const f = fixture('tailcall_bpf2bpf_hierarchy2');
    const rel = f.sec('.rel.maps');
    const sub = f.sym('subprog_tail0');
    f.dv.setUint32(rel.offset + 12, sub.index, true);
    const d = f.reject();
    assert.deepEqual([d.code, d.place.section, d.place.fileOff], [ObjCode.mapInitBad, '.rel.maps', rel.offset]);
  });

  it('never throws and never reports an internal error on these inputs', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(64), new Uint8Array(4096).fill(0xff)]) {
      const r = loadObject(bytes, FILE);
      assert.ok(!r.ok && r.error.code !== ObjCode.internal, 'rejected cleanly');
    }
  });
});
