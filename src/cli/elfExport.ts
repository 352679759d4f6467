// `bpfdbg dump OBJ --jited --elf FILE`: a symbol file for gdb's add-symbol-file. One
// executable section per program at its JIT address holding the linked code, a function
// symbol per program and subprogram (what kallsyms shows for JITed BPF, by its BPF name),
// and DWARF (dwarfLines.ts) whose line table maps the native code to the C lines of the
// object's BTF line info, as the kernel's jited_linfo does for bpftool.
import { basename, dirname } from 'node:path';
import { insnAt } from '../jit/insnAt.ts';
import { insnIdx } from '../common/ids.ts';
import { ByteSink } from './byteSink.ts';
import { debugAbbrev, debugInfoAndLines, type DwarfFunc, type DwarfUnit, type DwarfLineRow } from './dwarfLines.ts';
import type { LinkedProgram } from './jitAll.ts';

// ELF constants (System V gABI; EM_* from elf.h).
const ET_EXEC = 2;
const EM_X86_64 = 62,
  EM_RISCV = 243;
/** EF_RISCV_RVC: the RISC-V JIT emits compressed instructions (arch/riscv/net/bpf_jit.h). */
const EF_RISCV_RVC = 0x1;
const SHT_PROGBITS = 1,
  SHT_SYMTAB = 2,
  SHT_STRTAB = 3;
const SHF_ALLOC = 0x2,
  SHF_EXECINSTR = 0x4;
const STB_GLOBAL = 1,
  STT_FUNC = 2;

interface Section {
  name: string;
  type: number;
  flags: number;
  addr: bigint;
  data: Uint8Array;
  link?: number;
  info?: number;
  align: number;
  entsize?: number;
}

/** Line rows of one JITed function: a row where the C line changes (prologue: the first insn's line). */
function lineRows(j: LinkedProgram, fi: number): DwarfLineRow[] {
  const f = j.jit.funcs[fi]!;
  const base = j.funcAddrs[fi]!;
  const rows: DwarfLineRow[] = [];
  let last = '';
  const push = (off: number, insn: number): void => {
    const src = j.jit.image.sourceOf(insnIdx(insn));
    if (!src) return;
    const key = `${src.file}:${src.line}`;
    if (key === last) return;
    last = key;
    rows.push({ addr: base + BigInt(off), file: src.file, line: src.line });
  };
  if (f.insnCount > 0 && (f.addrs[0] ?? 0) > 0) push(0, f.insnStart);
  for (let k = 0; k < f.insnCount; k++) {
    // Insns that emit no code (LD_IMM64 second halves) never own an address.
    if (insnAt(f, f.addrs[k]!) === k) push(f.addrs[k]!, f.insnStart + k);
  }
  return rows;
}

export function symbolElf(jited: LinkedProgram[], arch: 'x86_64' | 'riscv64', objectPath: string): Uint8Array {
  const sections: Section[] = [];
  const symbols: { name: string; value: bigint; size: number; shndx: number }[] = [];
  const units: DwarfUnit[] = [];
  for (const j of jited) {
    const base = j.funcAddrs[0]!;
    const end = j.jit.funcs.reduce((m, f, i) => Math.max(m, Number(j.funcAddrs[i]! - base) + f.code.length), 0);
    const text = new Uint8Array(end);
    const funcs: DwarfFunc[] = [];
    for (const [i, f] of j.jit.funcs.entries()) {
      text.set(j.code[i]!, Number(j.funcAddrs[i]! - base));
      // The main function carries the program's name (a subprogram's is its own).
      const name = i === 0 ? j.program.name : f.name;
      symbols.push({ name, value: j.funcAddrs[i]!, size: f.code.length, shndx: sections.length + 1 });
      funcs.push({ name, addr: j.funcAddrs[i]!, size: f.code.length, rows: lineRows(j, i) });
    }
    sections.push({ name: `.text.${j.program.name}`, type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: base, data: text, align: 16 });
    const main = funcs.flatMap((f) => f.rows).find((r) => /\.c$/.test(r.file))?.file ?? objectPath;
    units.push({ name: main, compDir: dirname(main), funcs });
  }
  const strtab = new ByteSink().u8(0);
  const symtab = new ByteSink();
  symtab.u32(0).u8(0).u8(0).u16(0).u64(0n).u64(0n);
  for (const s of symbols) {
    const at = strtab.length;
    strtab.cstr(s.name);
    symtab
      .u32(at)
      .u8((STB_GLOBAL << 4) | STT_FUNC)
      .u8(0)
      .u16(s.shndx)
      .u64(s.value)
      .u64(BigInt(s.size));
  }
  const dwarf = debugInfoAndLines(units, `bpfdbg (JIT of ${basename(objectPath)})`);
  const symIdx = sections.length + 1;
  sections.push(
    { name: '.symtab', type: SHT_SYMTAB, flags: 0, addr: 0n, data: symtab.done(), link: symIdx + 1, info: 1, align: 8, entsize: 24 },
    { name: '.strtab', type: SHT_STRTAB, flags: 0, addr: 0n, data: strtab.done(), align: 1 },
    { name: '.debug_abbrev', type: SHT_PROGBITS, flags: 0, addr: 0n, data: debugAbbrev(), align: 1 },
    { name: '.debug_info', type: SHT_PROGBITS, flags: 0, addr: 0n, data: dwarf.info, align: 1 },
    { name: '.debug_line', type: SHT_PROGBITS, flags: 0, addr: 0n, data: dwarf.line, align: 1 },
  );
  const shstr = new ByteSink().u8(0);
  const nameOff = sections.map((s) => {
    const at = shstr.length;
    shstr.cstr(s.name);
    return at;
  });
  const shstrName = shstr.length;
  shstr.cstr('.shstrtab');
  sections.push({ name: '.shstrtab', type: SHT_STRTAB, flags: 0, addr: 0n, data: shstr.done(), align: 1 });
  nameOff.push(shstrName);

  const out = new ByteSink();
  out.bytes(new Uint8Array(64)); // ELF header, written last
  const offsets = sections.map((s) => {
    out.align(Math.max(s.align, 1));
    const at = out.length;
    out.bytes(s.data);
    return at;
  });
  out.align(8);
  const shoff = out.length;
  out.bytes(new Uint8Array(64)); // SHN_UNDEF
  for (const [i, s] of sections.entries())
    out
      .u32(nameOff[i]!)
      .u32(s.type)
      .u64(BigInt(s.flags))
      .u64(s.addr)
      .u64(BigInt(offsets[i]!))
      .u64(BigInt(s.data.length))
      .u32(s.link ?? 0)
      .u32(s.info ?? 0)
      .u64(BigInt(s.align))
      .u64(BigInt(s.entsize ?? 0));
  const bytes = out.done();
  const h = new ByteSink();
  h.bytes(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0)).bytes(new Uint8Array(8)); // ELFCLASS64, LSB, EV_CURRENT, SYSV
  h.u16(ET_EXEC)
    .u16(arch === 'riscv64' ? EM_RISCV : EM_X86_64)
    .u32(1)
    .u64(0n)
    .u64(0n)
    .u64(BigInt(shoff))
    .u32(arch === 'riscv64' ? EF_RISCV_RVC : 0)
    .u16(64)
    .u16(56)
    .u16(0)
    .u16(64)
    .u16(sections.length + 1)
    .u16(sections.length);
  bytes.set(h.done(), 0);
  return bytes;
}
