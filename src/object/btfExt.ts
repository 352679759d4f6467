// .BTF.ext reader: func_info and line_info blocks per ELF section (uapi btf.h,
// libbpf btf_ext__new). Offsets in records are bytes from the start of the ELF section;
// the linker turns them into instruction indexes of the flat program.
import { btfExtBad, ObjError, type FileWhere } from './errors.ts';
import { cstr, Reader } from './elf.ts';
import type { Btf } from './btf.ts';

export interface FuncInfoRec {
  /** Byte offset inside the ELF section. */
  insnOff: number;
  typeId: number;
}

export interface LineInfoRaw {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  line: number;
  col: number;
}

/** A CO-RE relocation record (uapi struct bpf_core_relo); applied by coreRelo.ts. */
export interface CoreReloRec {
  /** Byte offset inside the ELF section. */
  insnOff: number;
  /** Local BTF id of the root type. */
  typeId: number;
  accessStrOff: number;
  /** enum bpf_core_relo_kind. */
  kind: number;
}

export interface BtfExt {
  /** Section name -> records, in file order. */
  funcInfo: Map<string, FuncInfoRec[]>;
  lineInfo: Map<string, LineInfoRaw[]>;
  /** Section name -> CO-RE relocations, in file order (libbpf applies them in that order). */
  coreRelo: Map<string, CoreReloRec[]>;
}

const FUNC_INFO_MIN = 8;
const LINE_INFO_MIN = 16;
const CORE_RELO_MIN = 16;

export function parseBtfExt(data: Uint8Array, dataFileOff: number, btf: Btf, w: FileWhere): BtfExt {
  const at = (off: number): FileWhere => ({ ...w, fileOff: dataFileOff + off });
  const fail = (off: number, what: string): never => {
    throw new ObjError(btfExtBad(at(off), what));
  };
  if (data.length < 8) fail(0, `.BTF.ext header needs 8 bytes, section has ${data.length}`);
  const magicLe = data[0]! | (data[1]! << 8);
  if (magicLe !== 0xeb9f && magicLe !== 0x9feb) fail(0, `bad .BTF.ext magic 0x${magicLe.toString(16)}`);
  const r = new Reader(data, magicLe === 0xeb9f);
  if (r.u8(2) !== 1) fail(2, `unsupported .BTF.ext version ${r.u8(2)}`);
  const hdrLen = r.u32(4);
  // func_info and line_info pairs are required (hdr_len >= 24); core_relo when hdr_len >= 32.
  if (hdrLen < 24 || hdrLen > data.length) fail(4, `.BTF.ext hdr_len ${hdrLen} is out of range`);
  const ext: BtfExt = { funcInfo: new Map(), lineInfo: new Map(), coreRelo: new Map() };
  const sub = (offField: number, minRec: number, what: string, onRec: (sec: string, p: number) => void): void => {
    const off = r.u32(offField),
      len = r.u32(offField + 4);
    if (len === 0) return;
    const start = hdrLen + off;
    if (off % 4 !== 0 || start + len > data.length || start + len < start) fail(offField, `${what} [${off}, +${len}) is misaligned or past the section end`);
    if (len < 4) fail(start, `${what} is too short for its record size`);
    const recSize = r.u32(start);
    if (recSize < minRec || recSize % 4 !== 0 || recSize > 0xffff) fail(start, `${what} record size ${recSize} is invalid`);
    let p = start + 4;
    const end = start + len;
    while (p < end) {
      if (p + 8 > end) fail(p, `${what} block header runs past the subsection end`);
      const secOff = r.u32(p),
        num = r.u32(p + 4);
      const sec = cstr(btf.strings, secOff);
      if (sec === undefined || sec === '') fail(p, `${what} section name offset ${secOff} is not a BTF string`);
      if (num === 0) fail(p + 4, `${what} block for '${sec}' has no records`);
      if ((end - p - 8) / recSize < num) fail(p + 4, `${what} block for '${sec}' claims ${num} records, more than fit`);
      p += 8;
      for (let i = 0; i < num; i++, p += recSize) onRec(sec!, p);
    }
  };
  sub(8, FUNC_INFO_MIN, 'func_info', (sec, p) => {
    const insnOff = r.u32(p);
    if (insnOff % 8 !== 0) fail(p, `func_info insn_off ${insnOff} in '${sec}' is not instruction-aligned`);
    const typeId = r.u32(p + 4);
    if (typeId === 0 || typeId >= btf.types.length) fail(p + 4, `func_info type id ${typeId} in '${sec}' does not exist`);
    push(ext.funcInfo, sec, { insnOff, typeId });
  });
  sub(16, LINE_INFO_MIN, 'line_info', (sec, p) => {
    const insnOff = r.u32(p);
    if (insnOff % 8 !== 0) fail(p, `line_info insn_off ${insnOff} in '${sec}' is not instruction-aligned`);
    const fileNameOff = r.u32(p + 4),
      lineOff = r.u32(p + 8),
      lineCol = r.u32(p + 12);
    if (fileNameOff >= btf.strings.length || lineOff >= btf.strings.length)
      fail(p + 4, `line_info string offset ${Math.max(fileNameOff, lineOff)} in '${sec}' is outside the BTF strings`);
    push(ext.lineInfo, sec, { insnOff, fileNameOff, lineOff, line: lineCol >>> 10, col: lineCol & 0x3ff });
  });
  if (hdrLen >= 32) {
    sub(24, CORE_RELO_MIN, 'core_relo', (sec, p) => {
      const insnOff = r.u32(p);
      if (insnOff % 8 !== 0) fail(p, `core_relo insn_off ${insnOff} in '${sec}' is not instruction-aligned`);
      push(ext.coreRelo, sec, { insnOff, typeId: r.u32(p + 4), accessStrOff: r.u32(p + 8), kind: r.u32(p + 12) });
    });
  }
  // Records of a section are in insn order from clang; sort anyway (stable) so lookups can bisect.
  for (const recs of ext.lineInfo.values()) recs.sort((a, b) => a.insnOff - b.insnOff);
  for (const recs of ext.funcInfo.values()) recs.sort((a, b) => a.insnOff - b.insnOff);
  return ext;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
