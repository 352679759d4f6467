// Where `jump LOCATION` may send the PC: the first native instruction of a BPF instruction
// (the JIT's addrs[] entry) of the function the PC is in. Another function has another
// frame layout (its prologue built a different stack, saved other registers, keeps the
// tail-call counter elsewhere), so jumping there would corrupt the frame: refused, naming
// both functions, where gdb would ask.
import { err, ok, type Result } from '../common/diag.ts';
import type { LocationSpec } from './commands/types.ts';
import { resolveLocation } from './resolveLocation.ts';
import type { CommandContext } from './commandContext.ts';

export function jumpTarget(s: CommandContext, loc: LocationSpec, text: string): Result<bigint> {
  const t = s.target;
  const here = t.index.lookup(t.machine.pc);
  if (!here) return err('debug.jump', `jump: the PC (0x${t.machine.pc.toString(16)}) is not in BPF code; finish back into a BPF function first`);
  const r = resolveLocation(s, loc);
  if (!r.ok) return r;
  const to = t.index.lookup(r.value.addr);
  const name = (p: typeof here): string => {
    const prog = t.objects.displayName(p.program);
    return p.func.name === prog ? prog : `${prog}/${p.func.name}`;
  };
  if (!to || to.program !== here.program || to.funcIdx !== here.funcIdx)
    return err(
      'debug.jump',
      `jump: ${text} is in ${to ? name(to) : 'no BPF function'}, not in the current function ${name(here)}; jump stays within one function (its frame layout)`,
    );
  if (!to.atInsnStart || to.insn === null)
    return err('debug.jump', `jump: ${text} is not the start of a BPF instruction (use PROG:INSN, FILE:LINE or *ADDR of an instruction's first native byte)`);
  return ok(r.value.addr);
}
