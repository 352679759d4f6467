// One-line descriptions of where the CPU is and of a tail call, as stops print them.
import type { CommandContext } from './commandContext.ts';
import type { TailCallEvent } from './tailCalls.ts';
import { hex64 } from './view.ts';

export function describeTailCall(ev: TailCallEvent): string {
  const site = `${ev.from.program}:${ev.from.insn}${ev.from.func !== ev.from.program ? ` (${ev.from.func})` : ''}`;
  const via = `${ev.map}[${ev.key}] (${ev.direct ? 'direct' : 'indirect'})`;
  return ev.taken ? `tail call ${site} -> ${ev.to} via ${via}, tcc ${ev.tcc}` : `tail call ${site} via ${via} not taken: ${ev.outcome}, tcc ${ev.tcc}`;
}

/** `prog_b:1 (prog_b+0x25, 0xffffffffc0100025) tailchain.c:41  *(u64 *)(r10 - 8) = r6` */
export function describeHere(s: CommandContext): string {
  const m = s.target.machine;
  const pc = m.pc;
  const pos = s.target.index.lookup(pc);
  if (!pos) {
    const tr = s.target.trampolineAt(pc);
    if (!tr) return `${hex64(pc)} (outside BPF code)`;
    const [i] = s.target.disassembler.disasm(m.readMem(pc, 16), pc, 1);
    return `${tr.symbol}+0x${(pc - tr.addr).toString(16)} (trampoline of ${tr.target.func}, ${hex64(pc)})${i ? `  => ${s.target.disassembler.format(i)}` : ''}`;
  }
  const name = s.target.objects.displayName(pos.program);
  const where = pos.insn !== null ? `${name}:${pos.insn}` : `${name} ${pos.region ?? 'glue'}`;
  const src = pos.insn !== null ? pos.program.image.sourceOf(pos.insn) : undefined;
  const srcText = src ? ` ${src.file}:${src.line}  ${src.text.trim()}` : '';
  let nat = '';
  if (!pos.atInsnStart || pos.insn === null) {
    const [i] = s.target.disassembler.disasm(m.readMem(pc, 16), pc, 1);
    nat = i ? `  => ${s.target.disassembler.format(i)}` : '';
  }
  return `${where} (${pos.func.name}+0x${pos.off.toString(16)}, ${hex64(pc)})${srcText}${nat}`;
}
