// analyzeProgram: the verifier passes the JIT depends on, in bpf_check's order (v6.13-6.18):
// subprogram discovery and check_subprogs, opcode/ldimm64 checks, check_cfg, symbolic
// execution (our abstract interpreter: stack depths, map/key tracking, callbacks),
// check_max_stack_depth (+ private-stack marking), dead-code removal, ctx-access
// rewrites, do_misc_fixups. The result is the "xlated" program the JIT compiles.
import { err, ok, type Diag, type Result } from '../common/diag.ts';
import { insnIdx, subprogIdx, type InsnIdx } from '../common/ids.ts';
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ATOMIC,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_PROBE_MEM,
  BPF_PROBE_MEMSX,
  memSize,
  BPF_ST,
  BPF_STX,
  BPF_FUNC_tail_call,
  BPF_PSEUDO_KFUNC_CALL,
  insnClass,
  isHelperCall,
  memMode,
  isTailCall,
  JCOND,
  CALL,
  EXIT,
} from '../bpf/opcodes.ts';
import { MapType, type BpfObject, type BpfProgram, type SourcePos } from '../object/types.ts';
import { findLinfo } from '../object/lineInfo.ts';
import { isSleepableSection } from '../object/progType.ts';
import { abstractInterpret, type AbsResult } from './absint.ts';
import { checkCfg } from './cfg.ts';
import { bpfFuncMaxId, checkInsns, checkReachedInsns } from './checkInsns.ts';
import { checkLoops } from './loops.ts';
import { checkMapFuncCompat } from './mapCompat.ts';
import { checkUninitRegs } from './uninitRegs.ts';
import { convertCtxAccess, convertSockAccess, convertTcpSockAccess, ctxPrologue, hasCtxRewrite, readsTstampType, type CtxEnv } from './ctxRewrite.ts';
import { mov64Reg } from './ctxInsns.ts';
import { optDeadCode } from './deadCode.ts';
import * as E from './errors.ts';
import { MAP_MEM_ARGS } from './helperArgs.ts';
import { kernelLayout } from './kernelLayout.ts';
import { optimizeBpfLoop } from './loopInline.ts';
import { cmpxchgZextSites, zextReg } from './cmpxchgZext.ts';
import { checkMaxStackDepth, stackDepthNote } from './maxStackDepth.ts';
import { doMiscFixups, type FixupAux } from './miscFixups.ts';
import { fixupKfuncCalls, kfuncName, type KfuncAux } from './kfuncFixups.ts';
import { REMOVED_SUBPROG, appendHiddenSubprog, newWorkProg, patchInsn, type WorkProg } from './patch.ts';
import { privStackModeFor } from './privStack.ts';
import { findSubprogs, subprogOf, type SubprogBase } from './subprogs.ts';
import type { AnalysisOptions, PokeSite, ProgramImage, SubprogInfo, TailCallSite } from './types.ts';
import { MAX_BPF_STACK } from '../common/kernelLimits.ts';

interface Aux extends FixupAux, KfuncAux {
  ctx?: boolean;
  /** A load through a BTF pointer that is not trusted: becomes BPF_PROBE_MEM(SX). */
  probe?: boolean;
  /** A load through a socket pointer (converted as struct bpf_sock, or struct bpf_tcp_sock). */
  sock?: boolean | 'tcp';
}

/** Name we give the verifier's hidden default exception callback (it has no func_info). */
export const DEFAULT_EXCEPTION_CB = 'default_exception_cb';

const fromDiag = <T>(d: Diag): Result<T> => err(d.code, d.message, d.place);

export function analyzeProgram(obj: BpfObject, prog: BpfProgram, opts: AnalysisOptions = {}): Result<ProgramImage> {
  const w: E.ProgWhere = { obj, prog };
  const kernel = opts.kernel ?? '6.18';
  const progType = opts.progType ?? prog.progType;
  const allowTcInSubprogs = opts.allowTailCallInSubprogs ?? true;
  const insns = prog.insns;
  if (insns.length === 0) return fromDiag(E.lastInsnNotExit(w, 0));

  const sp = findSubprogs(w, insns);
  if (!sp.ok) return fromDiag(sp.error);
  const subprogs = sp.subprogs;
  const bad = checkInsns(w, insns) ?? checkCfg(w, insns, subprogs);
  if (bad) return fromDiag(bad);

  // may_goto (6.9+) is rewritten into a stack-resident (6.15+ x86: timed) loop counter that
  // bpfdbg does not model yet; say so instead of running different code.
  const mayGoto = insns.findIndex((i) => i.code === JCOND && i.off !== 0);
  if (mayGoto >= 0) return fromDiag(E.unsupported(w, mayGoto, 'may_goto (its verifier rewrite)'));

  const abs = abstractInterpret({ w, obj, insns, subprogs, progType, prog, ...(opts.kernelBtf ? { kernelBtf: opts.kernelBtf } : {}) });
  if (!abs.ok) return fromDiag(abs.error);
  const facts = abs.value;
  // do_check's per-insn refusals, on the instructions symbolic execution reaches.
  const reached = (i: number): boolean => facts.before[i] !== undefined;
  const refused =
    checkReachedInsns(w, insns, reached, bpfFuncMaxId(kernel)) ??
    checkMapFuncCompat(w, obj, insns, facts.before) ??
    checkLoops(w, insns, facts.before) ??
    checkUninitRegs({ w, insns, subprogs, reached, mayReturnVoid: progType === 'struct_ops' || progType === 'lsm' });
  if (refused) return fromDiag(refused);

  // check_map_func_compatibility: tail calls need JIT support for subprog tail calls.
  if (subprogs.length > 1 && !allowTcInSubprogs) {
    const tc = facts.tailCalls[0];
    if (tc) return fromDiag(E.tailCallWithSubprogs(w, tc.insn));
  }

  if (facts.seenException && opts.jitSupportsExceptions === false) {
    const at = insns.findIndex((x, i) => reached(i) && x.src === BPF_PSEUDO_KFUNC_CALL && x.code === CALL && kfuncName(obj, x.imm) === 'bpf_throw');
    return fromDiag(E.jitNoExceptions(w, at, insns[at]!.imm));
  }

  const anyTailCall = subprogs.some((s) => s.hasTailCall);
  const progMode = privStackModeFor(prog, progType, anyTailCall, opts.privStack ?? 'adaptive', kernel);
  // 6.1 recorded the unrounded depth and summed frames rounded to 32 (interpreter
  // granularity); later kernels round frames to 8 and, when JITing, to 16 for the check.
  const old = kernel === '6.1';
  const depths = (old ? facts.rawStackDepth : facts.stackDepth).slice();
  const msd = checkMaxStackDepth({ w, insns, subprogs, depth: depths, progMode, jitRound: old ? 32 : 16, minDepth: old ? 1 : 0 });
  if (!msd.ok) return fromDiag(msd.error);

  const p = newWorkProg<Aux>(
    insns,
    buildAux(obj, insns, facts),
    prog.lineInfo,
    subprogs.map((s) => s.start),
  );
  optDeadCode(
    p,
    insns.map((_, i) => facts.before[i] !== undefined),
  );
  optimizeBpfLoop(p, facts.before, depths); // in the kernel just before dead-code removal, which keeps its patch

  if (hasCtxRewrite(progType)) {
    const env: CtxEnv = {
      layout: kernelLayout(opts.kernelBtf),
      tstampTypeAccess: readsTstampType(
        progType,
        p.insns.filter((_, i) => p.aux[i]?.ctx),
      ),
    };
    const prologue = facts.seenDirectWrite ? ctxPrologue(progType, env, p.insns[0]!) : undefined;
    if (prologue) patchInsn(p, 0, prologue);
    const bad2 = convertCtxAccesses(w, p, progType, env);
    if (bad2) return fromDiag(bad2);
  }
  markProbeLoads(p);
  fixupKfuncCalls(p, obj); // fixup_kfunc_call: part of do_misc_fixups' walk, independent of its other patches
  const percpuInsn = opts.jitSupportsPercpuInsn ?? kernel !== '6.1';
  const fix = doMiscFixups(p, obj.maps, {
    sleepable: isSleepableSection(prog.section),
    percpuInsn,
    inlineSmpProcessorId: opts.inlineSmpProcessorId ?? percpuInsn,
  });
  zextCmpxchg(p, cmpxchgZextSites(insns, subprogs, reached));
  fix.pokes.forEach((pk, k) => (pk.insn = p.pokeInsns[k]!));
  // do_misc_fixups (6.7+): without a declared callback, bpf_throw gets a hidden one that
  // returns the cookie (`r0 = r1; exit`), appended as the last subprogram.
  const hiddenCb = facts.seenException && !subprogs.some((s) => s.isExceptionCb);
  if (hiddenCb) appendHiddenSubprog(p, [mov64Reg(0, 1), { code: EXIT, dst: 0, src: 0, off: 0, imm: 0 }]);

  // Without subprog tail-call support the kernel gives the whole program MAX_BPF_STACK.
  if (!allowTcInSubprogs && anyTailCall) depths[0] = MAX_BPF_STACK;

  // Subprograms whose every insn was dead are gone, as in the kernel's table.
  const alive = subprogs.map((_, k) => k).filter((k) => p.subStarts[k] !== REMOVED_SUBPROG);
  const starts = alive.map((k) => p.subStarts[k]!);
  const infos: SubprogInfo[] = alive.map((k, n) => {
    const s: SubprogBase = subprogs[k]!;
    return {
      idx: subprogIdx(n),
      name: s.name,
      start: insnIdx(starts[n]!),
      end: insnIdx(n + 1 < starts.length ? starts[n + 1]! : p.insns.length),
      stackDepth: depths[k]!,
      hasTailCall: s.hasTailCall,
      tailCallReachable: s.tailCallReachable,
      privStackMode: msd.value.privStackMode[k]!,
      isAsyncCb: s.isAsyncCb,
      isGlobal: s.isGlobal,
      hasLdAbs: s.hasLdAbs,
      ...(s.isExceptionCb ? { isExceptionCb: true } : {}),
    };
  });
  if (hiddenCb) {
    const start = p.subStarts[p.subStarts.length - 1]!;
    infos.push({
      idx: subprogIdx(infos.length),
      name: DEFAULT_EXCEPTION_CB,
      start: insnIdx(start),
      end: insnIdx(p.insns.length),
      stackDepth: 0,
      hasTailCall: false,
      tailCallReachable: false,
      privStackMode: 'unknown',
      isAsyncCb: true,
      isGlobal: false,
      hasLdAbs: false,
      isExceptionCb: true,
    });
    infos[infos.length - 2]!.end = insnIdx(start);
  }
  const pokeSites: PokeSite[] = fix.pokes.map((pk, k) => ({
    index: k,
    insn: insnIdx(pk.insn),
    subprog: subprogIdx(subprogOf(infos, pk.insn)),
    mapIndex: pk.mapIndex,
    key: pk.key,
  }));
  const tailCallSites: TailCallSite[] = [];
  p.insns.forEach((ins, i) => {
    if (!isTailCall(ins)) return;
    const a = p.aux[i];
    tailCallSites.push({
      insn: insnIdx(i),
      subprog: subprogIdx(subprogOf(infos, i)),
      mapIndex: a?.map ?? null,
      key: a?.key ?? null,
      direct: ins.imm !== 0,
    });
  });
  const linfo = p.linfo;
  // The line-info record in effect at insn i (the kernel's find_linfo rule).
  const sourceOf = (i: InsnIdx): SourcePos | undefined => {
    const rec = findLinfo(linfo, i);
    return rec ? { file: rec.file, line: rec.line, col: rec.col, text: rec.text } : undefined;
  };
  const notes = [stackDepthNote(depths, msd.value, kernel === '6.18')];
  return ok({
    object: obj,
    program: prog,
    progType,
    insns: p.insns,
    origInsn: p.orig.map(insnIdx),
    subprogs: infos,
    pokeSites,
    tailCallSites,
    tailCallReachable: msd.value.progTailCallReachable || (infos[0]?.tailCallReachable ?? false),
    usesPrivStack: infos.some((s) => s.privStackMode === 'adaptive'),
    ...(facts.seenException ? { exceptionBoundary: true } : {}),
    sourceOf,
    notes,
  });
}

/** Per-insn verifier facts the rewrites need, from the abstract interpreter's states. */
function buildAux(obj: BpfObject, insns: readonly Insn[], facts: AbsResult): (Aux | undefined)[] {
  return insns.map((ins, i) => {
    const st = facts.before[i];
    if (!st) return undefined;
    const cls = insnClass(ins.code);
    if (cls === BPF_LDX && st.regs[ins.src]?.k === 'ctx') return { ctx: true };
    if (cls === BPF_LDX && st.regs[ins.src]?.k === 'sock' && memMode(ins.code) === BPF_MEM) return { sock: true };
    if (cls === BPF_LDX && st.regs[ins.src]?.k === 'tcpsock' && memMode(ins.code) === BPF_MEM) return { sock: 'tcp' };
    const base = st.regs[ins.src];
    if (cls === BPF_LDX && base?.k === 'btf' && !base.trusted) return { probe: true };
    if ((cls === BPF_ST || cls === BPF_STX) && memMode(ins.code) !== BPF_ATOMIC && st.regs[ins.dst]?.k === 'ctx') return { ctx: true };
    if (ins.code === CALL && ins.src === BPF_PSEUDO_KFUNC_CALL) return { kfuncR1: st.regs[1]! };
    if (!isHelperCall(ins)) return undefined;
    if (ins.imm === BPF_FUNC_tail_call) {
      const m = st.regs[2]!;
      const k = st.regs[3]!;
      const def = m.k === 'map' ? obj.maps[m.idx] : undefined;
      const map = def && def.type === MapType.PROG_ARRAY ? (m.k === 'map' ? m.idx : null) : null;
      const key = def && map !== null && k.k === 'const' && k.v < BigInt(def.maxEntries) ? Number(k.v) : null;
      return { map, key };
    }
    if (MAP_MEM_ARGS[ins.imm]) {
      const m = st.regs[1]!;
      return { map: m.k === 'map' ? m.idx : null };
    }
    return undefined;
  });
}

/** convert_ctx_accesses: rewrite every ctx load/store in place (kernel order: ascending). */
function convertCtxAccesses(w: E.ProgWhere, p: WorkProg<Aux>, progType: BpfProgram['progType'], env: CtxEnv): Diag | undefined {
  for (let i = 0; i < p.insns.length; i++) {
    const a = p.aux[i];
    if (!a?.ctx && !a?.sock) continue;
    const ins = p.insns[i]!;
    const r = a.ctx ? convertCtxAccess(progType, ins, env) : a.sock === 'tcp' ? convertTcpSockAccess(ins, env) : convertSockAccess(ins, env);
    const origin = p.orig[i]!;
    const size = [4, 2, 1, 8][(ins.code >> 3) & 3]!;
    if ('invalid' in r) return E.badCtxAccess(w, origin, ins.off, size);
    if ('unsupported' in r) return E.unsupported(w, origin, r.unsupported);
    patchInsn(p, i, r.insns);
    // The rewritten insns carry no ctx mark; the aux moved to the last one.
    p.aux[i + r.insns.length - 1] = undefined;
    i += r.insns.length - 1;
  }
  return undefined;
}

/** opt_subreg_zext_lo32_rnd_hi32 for 32-bit cmpxchg: `w0 = w0` after the marked ones. */
function zextCmpxchg<A>(p: WorkProg<A>, sites: ReadonlySet<number>): void {
  if (!sites.size) return;
  for (let i = 0; i < p.insns.length; i++) {
    const ins = p.insns[i]!;
    if (!sites.has(p.orig[i]!) || insnClass(ins.code) !== BPF_STX) continue;
    patchInsn(p, i, [ins, zextReg(0)]);
    i++;
  }
}

/**
 * convert_ctx_accesses' PTR_TO_BTF_ID case (6.18): a load through a pointer that is not
 * trusted becomes BPF_PROBE_MEM (BPF_PROBE_MEMSX for sign-extending loads): the JIT guards
 * it and a fault leaves 0 in the destination.
 */
function markProbeLoads(p: WorkProg<Aux>): void {
  p.insns.forEach((ins, i) => {
    if (!p.aux[i]?.probe) return;
    const mode = memMode(ins.code) === BPF_MEMSX ? BPF_PROBE_MEMSX : BPF_PROBE_MEM;
    p.insns[i] = { ...ins, code: BPF_LDX | mode | memSize(ins.code) };
  });
}
