// LOCATION -> native address: `prog` (its insn 0, after the prologue), `prog:insn`,
// `insn` (current program), `file.c:line` (lowest insn with that line, current program
// first), `*0xADDR`.
import { insnIdx, type InsnIdx } from '../common/ids.ts';
import { type Result, err, ok } from '../common/diag.ts';
import type { LocationSpec } from './commands/types.ts';
import { errors } from './errors.ts';
import type { CommandContext } from './commandContext.ts';
import type { DebugProgram } from './target/loadedProgram.ts';

export interface ResolvedLocation {
  addr: bigint;
  program: DebugProgram;
  insn: InsnIdx | null;
  spec: string;
  /** A `FILE:LINE` without code moved to this line (the next one with code). */
  line?: number;
}

const fail = <T>(d: { code: string; message: string }): Result<T> => err(d.code, d.message);

function currentProgram(s: CommandContext): DebugProgram {
  const pos = s.runState === 'stopped' ? s.target.index.lookup(s.target.machine.pc) : null;
  return pos?.program ?? s.target.entry;
}

export function resolveLocation(s: CommandContext, loc: LocationSpec): Result<ResolvedLocation> {
  const t = s.target;
  const byName = (name: string): Result<DebugProgram> => t.objects.findCode(name, s.scopeObject());
  switch (loc.kind) {
    case 'program': {
      const pr = byName(loc.prog);
      if (!pr.ok) return pr;
      const p = pr.value;
      const bare = loc.prog.slice(loc.prog.lastIndexOf(':') + 1);
      const fi = p.jit.funcs.findIndex((f) => f.name === bare);
      const f = p.jit.funcs[fi < 0 ? 0 : fi]!;
      return ok({ addr: t.index.addressOf(p, f.insnStart)!, program: p, insn: f.insnStart, spec: loc.prog });
    }
    case 'insn': {
      const pr = loc.prog === null ? { ok: true as const, value: currentProgram(s) } : byName(loc.prog);
      if (!pr.ok) return pr;
      const p = pr.value;
      const n = p.image.insns.length;
      if (loc.insn < 0 || loc.insn >= n) return fail(errors.insnOutOfRange(p.name, loc.insn, n));
      const insn = insnIdx(loc.insn);
      const addr = t.index.addressOf(p, insn);
      const at = addr === null ? null : t.index.lookup(addr);
      if (addr === null || !at || at.insn !== insn) return fail(errors.noCodeForInsn(p.name, loc.insn));
      return ok({ addr, program: p, insn, spec: `${t.objects.displayName(p)}:${loc.insn}` });
    }
    case 'line': {
      const cur = currentProgram(s);
      const order = [cur, ...t.programs.filter((p) => p !== cur)];
      for (const p of order) {
        for (let n = 0; n < p.image.insns.length; n++) {
          const i = insnIdx(n);
          const src = p.image.sourceOf(i);
          if (!src || src.line !== loc.line) continue;
          if (loc.file !== null && !(src.file === loc.file || src.file.endsWith('/' + loc.file))) continue;
          const addr = t.index.addressOf(p, i);
          if (addr === null || t.index.lookup(addr)?.insn !== i) continue;
          return ok({ addr, program: p, insn: i, spec: `${loc.file ?? src.file}:${loc.line}` });
        }
      }
      // A line without code (a comment, a blank, a macro's line): the next line with code,
      // in the same file, as gdb moves a breakpoint there.
      let best: ResolvedLocation | null = null;
      const file = loc.file ?? s.view().source?.file ?? null;
      for (const p of order) {
        for (let n = 0; n < p.image.insns.length; n++) {
          const i = insnIdx(n);
          const src = p.image.sourceOf(i);
          if (!src || src.line <= loc.line || (best && src.line >= (best.line ?? 0))) continue;
          if (file !== null && !(src.file === file || src.file.endsWith('/' + file))) continue;
          const addr = t.index.addressOf(p, i);
          if (addr === null || t.index.lookup(addr)?.insn !== i) continue;
          best = { addr, program: p, insn: i, spec: `${loc.file ?? src.file}:${src.line}`, line: src.line };
        }
      }
      if (best) return ok(best);
      return fail(errors.noSuchLine(loc.file ?? '(current file)', loc.line));
    }
    case 'addr': {
      const pos = t.index.lookup(loc.addr);
      if (!pos) return fail(errors.notInProgram(loc.addr));
      return ok({ addr: loc.addr, program: pos.program, insn: pos.atInsnStart ? pos.insn : null, spec: `*0x${loc.addr.toString(16)}` });
    }
  }
}
