// BPF_PROG_TEST_RUN: build the ctx for the program type, run `repeat` times on an engine
// (the reference interpreter unless another is given), report the u32 retval, R0 and what
// the run did. Program types: the __sk_buff ones (skb), xdp (xdp_buff), sock_addr, cgroup
// sock and sock_ops (their kernel structs, from a uapi ctx_in), everything else a raw ctx
// (types whose ctx rewrite bpfdbg lacks read it in its uapi layout).
import { Interpreter, type RunResult, type TccMode } from '../bpf/interpreter.ts';
import type { Diag } from '../common/diag.ts';
import {
  buildCgroupSock,
  buildRawCtx,
  buildSkb,
  buildPerfEvent,
  buildSockAddr,
  buildSockOps,
  buildSockopt,
  buildXdp,
  packetOut,
  type BuiltCtx,
  type CtxResult,
} from './ctx.ts';

import type { KernelModel, KernelProgram } from './kernelModel.ts';

/** Runs `prog` with R1 = ctx on some engine. */
export type Engine = (model: KernelModel, prog: KernelProgram, ctx: BuiltCtx) => RunResult;

export interface TestRunOptions {
  /** Packet bytes (skb/xdp) — data_in. */
  data?: Uint8Array;
  /** ctx_in: __sk_buff fields for skb programs, the whole ctx for raw programs. */
  ctx?: Uint8Array;
  repeat?: number;
  engine?: Engine;
  /** Interpreter options when no engine is given. */
  tcc?: TccMode;
  budget?: number;
}

export interface TestRunResult {
  /** The program's return value as test_run reports it (u32). */
  retval: number;
  r0: bigint;
  insns: number;
  tailCalls: number;
  /** bpf_trace_printk lines printed during this test run. */
  output: string[];
  /**
   * Average wall time of one run in ns, as test_run's `duration` (bpf_test_timer: the time
   * spent in the repeat loop divided by the runs made, capped at U32_MAX). Only the runs
   * are timed, not building the ctx.
   */
  durationNs: number;
  /** Runs made: `repeat`, or fewer when one failed. */
  runs: number;
  /** data_out: the packet after the run (skb/xdp). */
  dataOut?: Uint8Array;
  error?: Diag;
}

export function buildCtx(model: KernelModel, prog: KernelProgram, opts: TestRunOptions): CtxResult {
  const data = opts.data ?? new Uint8Array(0);
  const l = model.layout;
  switch (prog.image.progType) {
    // bpf_prog_test_run_skb: tc and lwt programs see the MAC header ("is_l2").
    case 'sched_cls':
    case 'sched_act':
    case 'lwt_in':
    case 'lwt_out':
    case 'lwt_xmit':
    case 'lwt_seg6local':
      return buildSkb(model.space, l, data, true, opts.ctx);
    case 'socket_filter':
    case 'cgroup_skb':
    case 'sk_skb':
      return buildSkb(model.space, l, data, false, opts.ctx);
    case 'xdp':
      return buildXdp(model.space, l, data);
    case 'cgroup_sock_addr':
      return buildSockAddr(model.space, l, opts.ctx);
    case 'cgroup_sock':
      return buildCgroupSock(model.space, l, opts.ctx);
    case 'sock_ops':
      return buildSockOps(model.space, l, opts.ctx);
    case 'cgroup_sockopt':
      return buildSockopt(model.space, l, data, opts.ctx);
    case 'perf_event':
      return buildPerfEvent(model.space, l, opts.ctx);
    default:
      return buildRawCtx(model.space, l, opts.ctx ?? new Uint8Array(0));
  }
}

/** The reference interpreter as an Engine. */
export function interpreterEngine(opts: { tcc?: TccMode; budget?: number } = {}): Engine {
  return (model, prog, ctx) => {
    const it = new Interpreter(model.interpEnv(), opts);
    return it.run(prog.image, [ctx.addr]);
  };
}

const U32_MAX = 0xffff_ffff;

export function testRun(model: KernelModel, prog: KernelProgram, opts: TestRunOptions = {}): TestRunResult {
  const engine = opts.engine ?? interpreterEngine({ tcc: opts.tcc, budget: opts.budget });
  const traceStart = model.trace.length;
  let last: RunResult = { r0: 0n, insns: 0, tailCalls: 0 };
  const built = buildCtx(model, prog, opts);
  if (!built.ok) {
    return {
      retval: 0,
      r0: 0n,
      insns: 0,
      tailCalls: 0,
      output: [],
      durationNs: 0,
      runs: 0,
      error: { code: 'kernel.test-run', message: built.message, place: { program: prog.name } },
    };
  }
  const ctx = built.ctx;
  // bpf_test_run runs the program `repeat` times (0 means 1) on the same ctx, built once
  // before the loop and never rebuilt (net/bpf/test_run.c, 6.x): a program that changes its
  // packet or ctx sees the change on its next run; maps keep their state too.
  const repeat = Math.max(1, opts.repeat ?? 1);
  let runs = 0;
  const t0 = process.hrtime.bigint();
  while (runs < repeat) {
    last = engine(model, prog, ctx);
    runs++;
    if (last.error) break;
  }
  const spent = process.hrtime.bigint() - t0;
  const res: TestRunResult = {
    retval: Number(last.r0 & 0xffffffffn),
    r0: last.r0,
    insns: last.insns,
    tailCalls: last.tailCalls,
    output: model.trace.slice(traceStart),
    durationNs: Math.min(U32_MAX, Number(spent / BigInt(runs))),
    runs,
  };
  const out = packetOut(model.space, model.layout, ctx);
  if (out) res.dataOut = out;
  if (last.error) res.error = withSourceLine(model, last.error);
  return res;
}

/**
 * Every engine places a run error the same way: program, instruction and the source line of
 * that instruction (the interpreter names the instruction; the line comes from its image).
 */
function withSourceLine(model: KernelModel, e: Diag): Diag {
  const p = e.place;
  if (p.insn === undefined || p.line !== undefined || p.program === undefined) return e;
  const owner = model.objects.flatMap((o) => o.programs).find((q) => q.name === p.program);
  const src = owner?.image.sourceOf(p.insn);
  return src ? { ...e, place: { ...p, srcFile: src.file, line: src.line } } : e;
}
