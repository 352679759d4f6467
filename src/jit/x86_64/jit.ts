// do_jit (one pass over a function, filling addrs[]) and compileX86 (the pass driver of
// bpf_int_jit_compile plus the two-phase jit_subprogs build for bpf2bpf calls).
import type { InsnIdx, NativeOff, SubprogIdx } from '../../common/ids.ts';
import { type Result, err, ok } from '../../common/diag.ts';
import type { ProgramImage } from '../../analysis/types.ts';
import type { CodeRegion, JitEnv, JitFunction, JitImage, JitProfile, PokeDescriptor, Reloc } from '../types.ts';
import { CodeBuf } from './codeBuf.ts';
import { emitInsn } from './emitInsn.ts';
import type { InsnState } from './insnState.ts';
import { type FuncPlan, detectRegUsage, frameLayoutOf, tailCallOffsetOf } from './frameLayout.ts';
import type { EmitCtx, JitLabels } from './jitContext.ts';
import { emitPrologue } from './prologue.ts';
import { BPF_MAX_INSN_SIZE } from '../../common/kernelLimits.ts';

/** MAX_PASSES and PADDING_PASSES (= MAX_PASSES - 5) of bpf_int_jit_compile. */
export const MAX_PASSES = 20;
export const PADDING_PASSES = MAX_PASSES - 5;

/** One function being compiled: the kernel's per-prog jit_data kept between passes. */
export interface FuncJob {
  plan: FuncPlan;
  /** [start, end) in ProgramImage.insns. */
  start: number;
  end: number;
  addrs: Int32Array;
  labels: JitLabels;
  proglen: number;
  passes: number;
}

export interface PassOutput {
  code: Uint8Array | null;
  relocs: Reloc[];
  regions: CodeRegion[];
  pokes: PokeDescriptor[];
}

/** Thrown inside a pass; turned into a Diag by compileX86. */
class JitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly insn?: number,
  ) {
    super(message);
  }
}

/**
 * One do_jit() pass. `writing` = the kernel's `image != NULL`: bytes are kept and every
 * addrs[] entry must come out exactly as the previous pass left it. Returns proglen.
 */
export function doJit(
  job: FuncJob,
  image: ProgramImage,
  env: JitEnv,
  funcAt: Map<number, number>,
  buf: CodeBuf,
  writing: boolean,
  padding: boolean,
  out?: PassOutput,
): number {
  const addrs = job.addrs;
  const oldproglen = job.proglen;
  const ctx: EmitCtx = {
    plan: job.plan,
    buf,
    labels: job.labels,
    writing,
    relocs: out?.relocs ?? [],
    regions: out?.regions ?? [],
    pokes: out?.pokes ?? [],
    insn: job.start as InsnIdx,
  };
  buf.reset();
  buf.beginInsn();
  emitPrologue(ctx);
  let proglen = buf.off;
  if (writing && proglen !== addrs[0]) throw new JitError('jit.internal', `prologue moved: ${proglen} != ${addrs[0]}`);
  addrs[0] = proglen;
  const st: InsnState = { image, env, addrs, padding, seenExit: false, base: job.start, funcAt };
  const insns = image.insns;
  const n = job.end - job.start;
  for (let k = 0; k < n;) {
    buf.beginInsn();
    const g = job.start + k;
    ctx.insn = g as InsnIdx;
    const r = emitInsn(ctx, st, k, insns[g]!, insns[g + 1]);
    if (typeof r === 'string') throw new JitError('jit.bad-insn', r, g);
    const ilen = buf.off - proglen;
    if (ilen > BPF_MAX_INSN_SIZE) throw new JitError('jit.internal', `insn expanded to ${ilen} bytes`, g);
    const end = k + r;
    if (writing && (proglen + ilen > oldproglen || proglen + ilen !== addrs[end])) {
      throw new JitError('jit.internal', `addrs moved in the final pass at insn ${g}: ${proglen + ilen} != ${addrs[end]}`, g);
    }
    proglen += ilen;
    // LD_IMM64: the kernel writes only the second slot's entry; we make the (never
    // targeted) first one equal so the second slot owns an empty native range.
    if (r === 2) addrs[k + 1] = proglen;
    addrs[end] = proglen;
    k = end;
  }
  if (out && writing) out.code = buf.code();
  return proglen;
}

/** bpf_int_jit_compile's pass loop for one function. */
function convergeAndWrite(job: FuncJob, image: ProgramImage, env: JitEnv, funcAt: Map<number, number>, out: PassOutput, extraPass: boolean): void {
  const dry = new CodeBuf(true);
  let padding = extraPass;
  let writing = extraPass;
  let oldproglen = job.proglen;
  for (let pass = 0; pass < MAX_PASSES || writing; pass++) {
    if (!padding && pass >= PADDING_PASSES) padding = true;
    job.proglen = oldproglen;
    const buf = writing ? new CodeBuf(false, oldproglen + 64) : dry;
    const proglen = doJit(job, image, env, funcAt, buf, writing, padding, writing ? out : undefined);
    job.passes++;
    if (writing) {
      if (proglen !== oldproglen) throw new JitError('jit.internal', `proglen=${proglen} != oldproglen=${oldproglen}`);
      return;
    }
    if (proglen === oldproglen) writing = true;
    oldproglen = proglen;
  }
  throw new JitError('jit.no-convergence', `the JIT image did not converge in ${MAX_PASSES} passes`);
}

/** Int32Array -> plain array (a manual loop: Array.from's iterator path is slow at 1M). */
function toArray(a: Int32Array): NativeOff[] {
  const out = new Array<NativeOff>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! as NativeOff;
  return out;
}

/** Builds the plan do_jit derives for function `f` from the verifier's conclusions. */
export function planFunction(image: ProgramImage, f: number, profile: JitProfile, env: JitEnv): FuncPlan {
  const sp = image.subprogs[f]!;
  const priv = profile.privStack !== 'off' && sp.privStackMode === 'adaptive';
  return {
    func: f,
    name: sp.name,
    isSubprog: f !== 0,
    verifierDepth: sp.stackDepth,
    stackDepth: priv ? 0 : sp.stackDepth,
    tcr: sp.tailCallReachable,
    calleeRegs: detectRegUsage(image.insns, sp.start, sp.end),
    exceptionBoundary: f === 0 && (image.exceptionBoundary ?? false),
    exceptionCb: sp.isExceptionCb ?? false,
    privFramePtr: priv ? env.privStackPtr(f) : null,
    thisCpuOff: env.thisCpuOffAddr,
    byValue: profile.tcc === 'by-value',
    retThunk: profile.retThunk,
    indirectThunk: profile.indirectThunk ?? profile.retThunk,
    indirectPlain: profile.indirectPlain ?? 'jmp',
    bmi2: profile.bmi2 ?? false,
    shortJumpMax: profile.shortJumpMax ?? 123,
    tailCallOffset: tailCallOffsetOf(profile),
  };
}

export function newJob(plan: FuncPlan, start: number, end: number): FuncJob {
  const len = end - start;
  const addrs = new Int32Array(len + 1);
  // Rough first estimate: each BPF insn becomes at most 64 bytes.
  for (let i = 0; i <= len; i++) addrs[i] = 64 * (i + 1);
  return { plan, start, end, addrs, labels: { cleanupAddr: 64 * (len + 1), tailCallDirectLabel: 0, tailCallIndirectLabel: 0 }, proglen: 0, passes: 0 };
}

/**
 * Compiles an analysed program. With subprograms this is jit_subprogs: every function is
 * JITed to convergence on its own (bpf2bpf call displacements are address relocs, so the
 * first phase already has final sizes), then each gets the extra padded pass that writes
 * the final image and must reproduce its length exactly.
 */
export function compileX86(image: ProgramImage, profile: JitProfile, env: JitEnv): Result<JitImage> {
  const funcAt = new Map<number, number>();
  image.subprogs.forEach((s, f) => funcAt.set(s.start, f));
  const multi = image.subprogs.length > 1;
  const funcs: JitFunction[] = [];
  const pokes: PokeDescriptor[] = [];
  let passes = 0;
  let current = 0;
  try {
    const jobs = image.subprogs.map((s, f) => newJob(planFunction(image, f, profile, env), s.start, s.end));
    const outs: PassOutput[] = jobs.map(() => ({ code: null, relocs: [], regions: [], pokes: [] }));
    for (const [f, job] of jobs.entries()) {
      current = f;
      convergeAndWrite(job, image, env, funcAt, outs[f]!, false);
    }
    if (multi) {
      for (const [f, job] of jobs.entries()) {
        current = f;
        outs[f] = { code: null, relocs: [], regions: [], pokes: [] };
        convergeAndWrite(job, image, env, funcAt, outs[f]!, true);
      }
    }
    for (const [f, job] of jobs.entries()) {
      const o = outs[f]!;
      const sp = image.subprogs[f]!;
      passes = Math.max(passes, job.passes);
      pokes.push(...o.pokes);
      funcs.push({
        name: sp.name,
        subprog: f as SubprogIdx,
        insnStart: sp.start,
        insnCount: sp.end - sp.start,
        code: o.code!,
        addrs: toArray(job.addrs),
        frame: frameLayoutOf(job.plan),
        relocs: o.relocs,
        tailCallOffset: job.plan.tailCallOffset,
        regions: o.regions,
      });
    }
  } catch (e) {
    if (!(e instanceof JitError)) throw e;
    const place: { program: string; insn?: InsnIdx } = { program: image.program.name };
    if (e.insn !== undefined) place.insn = e.insn as InsnIdx;
    const where = image.subprogs[current]?.name ?? '?';
    return err(e.code, `x86-64 JIT (${where}): ${e.message}`, place);
  }
  pokes.sort((a, b) => a.index - b.index);
  return ok({ arch: 'x86_64', profile, image, funcs, pokes, passes });
}
