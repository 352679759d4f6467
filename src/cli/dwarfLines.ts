// The DWARF of a JIT symbol file (DWARF 4, the version every gdb reads): per program one
// compile unit with its functions as DW_TAG_subprogram, and a .debug_line program mapping
// native addresses to the C lines of the object's BTF line info. One sequence per function
// (functions are placed apart; DW_LNE_end_sequence closes each). gdb needs the CU in
// .debug_info to look at the line table at all.
import { ByteSink } from './byteSink.ts';

export interface DwarfLineRow {
  addr: bigint;
  file: string;
  line: number;
}

export interface DwarfFunc {
  name: string;
  addr: bigint;
  size: number;
  /** Address order; a row holds until the next one or the function's end. */
  rows: DwarfLineRow[];
}

export interface DwarfUnit {
  /** The CU's name: the program's main C file. */
  name: string;
  compDir: string;
  funcs: DwarfFunc[];
}

// DWARF constants (DWARF 4 specification, section 7).
const TAG_compile_unit = 0x11,
  TAG_subprogram = 0x2e;
const AT_name = 0x03,
  AT_stmt_list = 0x10,
  AT_low_pc = 0x11,
  AT_high_pc = 0x12,
  AT_language = 0x13,
  AT_comp_dir = 0x1b,
  AT_producer = 0x25,
  AT_external = 0x3f;
const FORM_addr = 0x01,
  FORM_data2 = 0x05,
  FORM_data8 = 0x07,
  FORM_string = 0x08,
  FORM_sec_offset = 0x17,
  FORM_flag_present = 0x19;
const LANG_C99 = 0x0c;
const LNS_copy = 0x01,
  LNS_advance_line = 0x03,
  LNS_set_file = 0x04;
const LNE_end_sequence = 0x01,
  LNE_set_address = 0x02;
const OPCODE_BASE = 13;
/** Operand counts of standard opcodes 1..12. */
const STD_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

export function debugAbbrev(): Uint8Array {
  const s = new ByteSink();
  s.uleb(1).uleb(TAG_compile_unit).u8(1); // has children
  for (const [at, form] of [
    [AT_producer, FORM_string],
    [AT_language, FORM_data2],
    [AT_name, FORM_string],
    [AT_comp_dir, FORM_string],
    [AT_stmt_list, FORM_sec_offset],
    [AT_low_pc, FORM_addr],
    [AT_high_pc, FORM_data8],
  ])
    s.uleb(at!).uleb(form!);
  s.uleb(0).uleb(0);
  s.uleb(2).uleb(TAG_subprogram).u8(0);
  for (const [at, form] of [
    [AT_name, FORM_string],
    [AT_external, FORM_flag_present],
    [AT_low_pc, FORM_addr],
    [AT_high_pc, FORM_data8],
  ])
    s.uleb(at!).uleb(form!);
  s.uleb(0).uleb(0);
  s.uleb(0);
  return s.done();
}

/** .debug_info and .debug_line for the units, CU i pointing at line program i. */
export function debugInfoAndLines(units: DwarfUnit[], producer: string): { info: Uint8Array; line: Uint8Array } {
  const info = new ByteSink();
  const line = new ByteSink();
  for (const u of units) {
    const stmtList = line.length;
    lineProgram(line, u);
    const lo = u.funcs.reduce((m, f) => (f.addr < m ? f.addr : m), u.funcs[0]!.addr);
    const hi = u.funcs.reduce((m, f) => (f.addr + BigInt(f.size) > m ? f.addr + BigInt(f.size) : m), lo);
    const start = info.length;
    info.u32(0).u16(4).u32(0).u8(8); // unit_length (patched), version, abbrev offset, address size
    info
      .uleb(1)
      .cstr(producer)
      .u16(LANG_C99)
      .cstr(u.name)
      .cstr(u.compDir)
      .u32(stmtList)
      .u64(lo)
      .u64(hi - lo);
    for (const f of u.funcs) info.uleb(2).cstr(f.name).u64(f.addr).u64(BigInt(f.size));
    info.uleb(0);
    info.patchU32(start, info.length - start - 4);
  }
  return { info: info.done(), line: line.done() };
}

function lineProgram(s: ByteSink, u: DwarfUnit): void {
  const files = [...new Set(u.funcs.flatMap((f) => f.rows.map((r) => r.file)))];
  const start = s.length;
  s.u32(0).u16(4); // unit_length (patched), version
  const headerLenAt = s.length;
  s.u32(0); // header_length (patched)
  s.u8(1).u8(1).u8(1); // minimum_instruction_length, maximum_operations_per_instruction, default_is_stmt
  s.u8(-5 & 0xff)
    .u8(14)
    .u8(OPCODE_BASE); // line_base, line_range, opcode_base
  for (const n of STD_LENGTHS) s.u8(n);
  s.u8(0); // include_directories: none (file names are the paths BTF recorded)
  for (const f of files) s.cstr(f).uleb(0).uleb(0).uleb(0);
  s.u8(0);
  s.patchU32(headerLenAt, s.length - headerLenAt - 4);
  const setAddress = (a: bigint): void => void s.u8(0).uleb(9).u8(LNE_set_address).u64(a);
  for (const f of u.funcs) {
    if (f.rows.length === 0) continue;
    let fileNo = 1;
    let lineNo = 1;
    for (const r of f.rows) {
      setAddress(r.addr);
      const want = files.indexOf(r.file) + 1;
      if (want !== fileNo) s.u8(LNS_set_file).uleb((fileNo = want));
      if (r.line !== lineNo) s.u8(LNS_advance_line).sleb(r.line - lineNo);
      lineNo = r.line;
      s.u8(LNS_copy);
    }
    setAddress(f.addr + BigInt(f.size));
    s.u8(0).uleb(1).u8(LNE_end_sequence);
  }
  s.patchU32(start, s.length - start - 4);
}
