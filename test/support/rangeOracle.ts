// A soundness oracle for the abstract interpreter (src/analysis/absint.ts): runs a generated
// case on the reference interpreter and checks, before every instruction, that the concrete
// registers lie inside the scalar facts the analysis derived for that instruction, that the
// instruction was found reachable at all, and that every conditional jump goes to a side the
// analysis kept. A fact the run contradicts is a bug: dead-code removal and hard-wired
// branches (opt_hard_wire_dead_code_branches) rely on them, and the JITs run the same image,
// so the x86/RISC-V differential tests cannot see such a bug unless it crashes.
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import { abstractInterpret, type AbsState, type Val } from '../../src/analysis/absint.ts';
import { findSubprogs } from '../../src/analysis/subprogs.ts';
import type { Insn } from '../../src/bpf/insn.ts';
import { Interpreter, type InterpProgram, type TccMode } from '../../src/bpf/interpreter.ts';
import { BPF_JMP32, BPF_K, LD_DW_IMM, branchTarget, insnClass, isCondJump, jmpOp, srcBit } from '../../src/bpf/opcodes.ts';
import { jmpTaken } from '../../src/bpf/semantics.ts';
import { KernelModel, testRun } from '../../src/kernel/index.ts';
import type { GeneratedCase } from './randomProgram.ts';

type Before = (AbsState | undefined)[];

/** What the analysis concluded before each original instruction, per program name. */
function factsOf(c: GeneratedCase): Map<string, Before> | string {
  const out = new Map<string, Before>();
  for (const prog of c.object.programs) {
    const w = { obj: c.object, prog };
    const sp = findSubprogs(w, prog.insns);
    if (!sp.ok) return sp.error.message;
    const r = abstractInterpret({ w, obj: c.object, insns: prog.insns, subprogs: sp.subprogs, progType: prog.progType });
    if (!r.ok) return r.error.message;
    out.set(prog.name, r.value.before);
  }
  return out;
}

const sameInsn = (a: Insn, b: Insn): boolean => a.code === b.code && a.dst === b.dst && a.src === b.src && a.off === b.off && a.imm === b.imm;

/** Why concrete value `x` (as the interpreter holds it) is outside abstract `v`, or undefined. */
function outside(v: Val, x: bigint): string | undefined {
  const u = BigInt.asUintN(64, x);
  if (v.k === 'const') return u === BigInt.asUintN(64, v.v) ? undefined : `const ${v.v}`;
  if (v.k !== 'scalar') return undefined;
  const r = v.r;
  const s = BigInt.asIntN(64, x);
  const u32 = BigInt.asUintN(32, x);
  const s32 = BigInt.asIntN(32, x);
  const ok = r.umin <= u && u <= r.umax && r.smin <= s && s <= r.smax && r.u32min <= u32 && u32 <= r.u32max && r.s32min <= s32 && s32 <= r.s32max;
  return ok ? undefined : `range u[${r.umin},${r.umax}] s[${r.smin},${r.smax}] u32[${r.u32min},${r.u32max}] s32[${r.s32min},${r.s32max}]`;
}

/**
 * Contradictions between the run of case `c` and the analysis' facts, as
 * "program insn N: ..." lines (empty: the facts held on this run).
 */
export function factViolations(c: GeneratedCase, tcc: TccMode = 'by-pointer'): string[] {
  const facts = factsOf(c);
  if (typeof facts === 'string') return [`analysis failed: ${facts}`];
  const images: ProgramImage[] = [];
  for (const p of c.object.programs) {
    const r = analyzeProgram(c.object, p, { privStack: 'adaptive' });
    // The generator writes only programs the verifier accepts.
    if (!r.ok) return [`${p.name} refused: ${r.error.message} (insn ${r.error.place.insn})`];
    images.push(r.value);
  }
  const model = new KernelModel();
  const loaded = model.loadObject(c.object, images);
  const entry = loaded.programs.find((p) => p.name === c.entry)!;
  const bad: string[] = [];
  const check = (prog: InterpProgram, pc: number, regs: readonly bigint[]): void => {
    const img = prog as ProgramImage;
    const name = img.program.name;
    const before = facts.get(name);
    const orig = img.origInsn?.[pc];
    if (!before || orig === undefined) return;
    const first = pc === 0 || img.origInsn[pc - 1] !== orig;
    if (!first) return;
    const o = img.program.insns[orig]!;
    const st = before[orig];
    if (!st) {
      bad.push(`${name} insn ${orig}: runs but the analysis found it unreachable`);
      return;
    }
    if (sameInsn(o, img.insns[pc]!) || isCondJump(o.code)) {
      for (let r = 0; r <= 9; r++) {
        const why = outside(st.regs[r]!, regs[r]!);
        if (why) bad.push(`${name} insn ${orig}: r${r} = ${BigInt.asUintN(64, regs[r]!)} outside ${why}`);
      }
    }
    if (isCondJump(o.code) && o.code !== LD_DW_IMM) {
      const b = srcBit(o.code) === BPF_K ? BigInt.asUintN(64, BigInt(o.imm)) : regs[o.src]!;
      const taken = jmpTaken(jmpOp(o.code), insnClass(o.code) === BPF_JMP32, BigInt.asUintN(64, regs[o.dst]!), BigInt.asUintN(64, b));
      const next = taken ? branchTarget(orig, o) : orig + 1;
      if (taken !== undefined && !before[next]) bad.push(`${name} insn ${orig}: jumps to ${next}, which the analysis found unreachable`);
    }
  };
  testRun(model, entry, {
    data: c.data,
    tcc,
    engine: (m, prog, ctx) => {
      const it = new Interpreter(m.interpEnv(), { tcc, budget: 1_000_000 });
      it.start(prog.image, [ctx.addr]);
      while (!it.done && bad.length < 5) {
        check(it.prog, it.pc, it.regs);
        it.step();
      }
      return it.result();
    },
  });
  return bad;
}
