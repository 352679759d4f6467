// bpf_int_jit_compile + build_body (arch/riscv/net/bpf_jit_core.c): each function is JITed
// on its own (jit_subprogs), starting from a guess of 32 halfwords per insn, and passes
// (prologue, body, epilogue) repeat until every insn keeps its offset and no new register
// was seen. Calls and PSEUDO_FUNC addresses are fixed-size Reloc fields, so the linker's
// "extra pass" only fills them and never moves code.
import type { ProgramImage } from '../../analysis/types.ts';
import { BpfdbgError, err, ok, type Result } from '../../common/diag.ts';
import { insnIdx, nativeOff, subprogIdx, type NativeOff } from '../../common/ids.ts';
import type { FrameLayout, JitEnv, JitFunction, JitImage, JitProfile } from '../types.ts';
import { codeBytes, ninsns, region, type RvCtx } from './ctx.ts';
import { regName } from './encode.ts';
import { bpf_jit_build_epilogue } from './epilogue.ts';
import { bpf_jit_emit_insn } from './emitInsn.ts';
import { bpfStackAdjust, bpf_jit_build_prologue, RV_TAILCALL_OFFSET } from './prologue.ts';
import { rvSchemeOf, type RvTccScheme } from './profiles.ts';
import { emitsTccInit, tccLocation } from './tcc.ts';

/** NR_JIT_ITERATIONS */
const NR_JIT_ITERATIONS = 32;

export interface RvJitOptions {
  /** CONFIG_RISCV_ISA_C (default true, as distribution kernels). */
  rvc?: boolean;
}

/** BPF_JMP | BPF_TAIL_CALL as the verifier rewrites `call bpf_tail_call`. */
const isTailCall = (code: number): boolean => code === 0xf5;

function build_body(ctx: RvCtx): void {
  const insns = ctx.image.insns.slice(ctx.start, ctx.start + ctx.len);
  for (let i = 0; i < ctx.len; i++) {
    const ret = bpf_jit_emit_insn(ctx, insns, i);
    if (ret > 0) {
      // A consumed pair: the first slot owns the code and the second slot's range is empty
      // (JitFunction.addrs: "LD_IMM64 second slots repeat", as on x86-64).
      ctx.offset[i] = ninsns(ctx);
      i++;
    }
    ctx.offset[i] = ninsns(ctx);
  }
}

function newCtx(image: ProgramImage, env: JitEnv, scheme: RvTccScheme, rvc: boolean, func: number, progHasTailCall: boolean): RvCtx {
  const sp = image.subprogs[func]!;
  const len = sp.end - sp.start;
  return {
    image,
    env,
    scheme,
    rvc,
    func,
    isSubprog: func > 0,
    start: sp.start,
    len,
    stackDepth: sp.stackDepth,
    progHasTailCall,
    verifierZext: false,
    code: [],
    flags: new Set(),
    offset: Array.from({ length: len }, (_, k) => 32 * (k + 1)),
    prologueLen: 0,
    epilogueOffset: 0,
    stackSize: 0,
    tccSlotOff: 0,
    relocs: [],
    regions: [],
    saved: [],
  };
}

/** Runs passes until stable; returns the number of passes. */
function runPasses(ctx: RvCtx): number {
  for (let pass = 1; pass <= NR_JIT_ITERATIONS; pass++) {
    const prevOffsets = ctx.offset.slice();
    const prevPrologue = ctx.prologueLen;
    const prevEpilogue = ctx.epilogueOffset;
    const prevFlags = ctx.flags.size;
    ctx.code = [];
    ctx.relocs = [];
    ctx.regions = [];
    bpf_jit_build_prologue(ctx);
    ctx.prologueLen = ninsns(ctx);
    build_body(ctx);
    ctx.epilogueOffset = ninsns(ctx);
    region(ctx, 'epilogue', undefined, () => bpf_jit_build_epilogue(ctx));
    const stable =
      ctx.prologueLen === prevPrologue &&
      ctx.epilogueOffset === prevEpilogue &&
      ctx.flags.size === prevFlags &&
      ctx.offset.every((o, k) => o === prevOffsets[k]);
    if (stable) return pass;
  }
  throw new Error(`riscv64 JIT: ${ctx.image.program.name} func ${ctx.func} did not converge in ${NR_JIT_ITERATIONS} passes`);
}

function frameOf(ctx: RvCtx): FrameLayout {
  // Offsets are from s0 (= the caller's sp, always set), since s5 exists only with a BPF stack.
  const toFp = (spOff: number): number => spOff - ctx.stackSize;
  const loc = tccLocation(ctx);
  return {
    stackSize: bpfStackAdjust(ctx),
    tccSlots: loc.slot ? [{ name: 'tail_call_cnt', fpOff: toFp(ctx.tccSlotOff), size: 8 }] : [],
    saved: ctx.saved.map((s) => ({ reg: regName(s.reg), fpOff: toFp(s.spOff) })),
    fpReg: 's5',
    offBase: 's0',
    ...(loc.reg ? { tccReg: loc.reg } : {}),
  };
}

function jitFunction(ctx: RvCtx): { fn: JitFunction; passes: number } {
  const passes = runPasses(ctx);
  const addrs: NativeOff[] = [];
  for (let k = 0; k <= ctx.len; k++) addrs.push(nativeOff(2 * (k === 0 ? ctx.prologueLen : ctx.offset[k - 1]!)));
  const sp = ctx.image.subprogs[ctx.func]!;
  return {
    passes,
    fn: {
      name: sp.name,
      subprog: subprogIdx(ctx.func),
      insnStart: insnIdx(ctx.start),
      insnCount: ctx.len,
      code: codeBytes(ctx),
      addrs,
      frame: frameOf(ctx),
      relocs: ctx.relocs,
      tailCallOffset: emitsTccInit(ctx) ? RV_TAILCALL_OFFSET : RV_TAILCALL_OFFSET - 4,
      regions: ctx.regions.map((r): JitFunction['regions'][number] =>
        r.insn === undefined ? { start: r.start, end: r.end, role: r.role } : { start: r.start, end: r.end, role: r.role, insn: insnIdx(r.insn) },
      ),
    },
  };
}

export function compileRiscv(image: ProgramImage, profile: JitProfile, env: JitEnv, opts: RvJitOptions = {}): Result<JitImage> {
  const place = { program: image.program.name };
  if (profile.arch !== 'riscv64') return err('jit.riscv.bad-profile', `profile ${profile.name} is for ${profile.arch}, not riscv64`, place);
  const scheme = rvSchemeOf(profile);
  const progHasTailCall = image.insns.some((i) => isTailCall(i.code));
  if (scheme === 'upstream' && progHasTailCall && image.subprogs.length > 1) {
    // Verifier, check_map_func_compatibility: riscv64 has no bpf_jit_supports_subprog_tailcalls()
    // in any release through v6.19 (the mixing series reached bpf-next only in 2026-07).
    const site = image.insns.findIndex((i) => isTailCall(i.code));
    return err(
      'jit.riscv.tailcall-mixing',
      'tail_calls are not allowed in programs with bpf-to-bpf calls (riscv64 upstream, kernels through v6.19); use profile tcc-on-stack or tcc-a6-passthrough',
      { ...place, insn: insnIdx(site) },
    );
  }
  try {
    const funcs: JitFunction[] = [];
    let passes = 0;
    for (let f = 0; f < image.subprogs.length; f++) {
      const r = jitFunction(newCtx(image, env, scheme, opts.rvc ?? true, f, progHasTailCall));
      funcs.push(r.fn);
      passes = Math.max(passes, r.passes);
    }
    return ok({ arch: 'riscv64', profile, image, funcs, pokes: [], passes });
  } catch (e) {
    if (e instanceof BpfdbgError) return { ok: false, error: e.diag };
    throw e;
  }
}
