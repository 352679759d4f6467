// JIT throughput: BPF instructions per second through convergence (all sizing passes plus
// the writing pass) on a generated 1,000,000-instruction program, and peak memory.
// Run: node --import tsx bench/jit.ts [insns]
import { pathToFileURL } from 'node:url';
import { type Insn, insn } from '../src/bpf/insn.ts';
import type { InsnIdx, SubprogIdx } from '../src/common/ids.ts';
import type { ProgramImage } from '../src/analysis/types.ts';
import type { BpfObject, BpfProgram } from '../src/object/types.ts';
import { compileX86 } from '../src/jit/x86_64/index.ts';
import { DEFAULT_X86_PROFILE } from '../src/jit/profiles.ts';
import type { JitEnv } from '../src/jit/types.ts';

/** A straight-line mix of the common forms, with forward branches of short and long reach. */
export function generateProgram(n: number): Insn[] {
  const out: Insn[] = [];
  let seed = 12345;
  const rnd = (m: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  out.push(insn(0xbf, 6, 1)); // r6 = r1
  while (out.length < n - 2) {
    const left = n - 2 - out.length;
    const r = rnd(16);
    const d = 1 + rnd(5);
    if (r < 4)
      out.push(insn(0x07, d, 0, 0, rnd(1000) - 500)); // rD += imm
    else if (r < 6)
      out.push(insn(0x0f, d, 1 + rnd(5))); // rD += rS
    else if (r < 8)
      out.push(insn(0x7b, 10, d, -8 * (1 + rnd(16)))); // *(u64 *)(r10 - off) = rD
    else if (r < 10)
      out.push(insn(0x79, d, 10, -8 * (1 + rnd(16)))); // rD = *(u64 *)(r10 - off)
    else if (r < 11)
      out.push(insn(0xb7, d, 0, 0, rnd(100000))); // rD = imm
    else if (r < 12 && left > 2)
      out.push(insn(0x18, d, 0, 0, rnd(1 << 30)), insn(0, 0, 0, 0, 0x12345)); // rD = imm64
    else if (r < 13)
      out.push(insn(0x85, 0, 0, 0, 5)); // call bpf_ktime_get_ns
    else if (r < 15 && left > 200)
      out.push(insn(0x55, d, 0, rnd(100), rnd(50))); // if rD != imm goto +short
    else if (left > 2000)
      out.push(insn(0x2d, d, 1 + rnd(5), 100 + rnd(1500))); // if rD > rS goto +long
    else out.push(insn(0x27, d, 0, 0, 3)); // rD *= 3
  }
  out.push(insn(0xb7, 0, 0, 0, 0), insn(0x95)); // r0 = 0; exit
  return out;
}

export function benchImage(insns: Insn[]): ProgramImage {
  const program = { name: 'bench', section: 'tc', autoload: true, progType: 'sched_cls', insns, funcs: [], lineInfo: [], fileOff: 0 } as unknown as BpfProgram;
  const object = { path: 'bench.o', name: 'bench', maps: [], programs: [program] } as unknown as BpfObject;
  return {
    object,
    program,
    progType: 'sched_cls',
    insns,
    origInsn: [],
    subprogs: [
      {
        idx: 0 as SubprogIdx,
        name: 'bench',
        start: 0 as InsnIdx,
        end: insns.length as InsnIdx,
        stackDepth: 128,
        hasTailCall: false,
        tailCallReachable: false,
        privStackMode: 'none',
        isAsyncCb: false,
        isGlobal: false,
        hasLdAbs: false,
      },
    ],
    pokeSites: [],
    tailCallSites: [],
    tailCallReachable: false,
    usesPrivStack: false,
    sourceOf: () => undefined,
    notes: [],
  };
}

const env: JitEnv = { mapAddr: () => 0xffff888100000000n, mapValueAddr: () => 0xffffc90000000000n, privStackPtr: () => 0n, thisCpuOffAddr: 0x1f0e8n };

function main(): void {
  const n = Number(process.argv[2] ?? 1_000_000);
  const insns = generateProgram(n);
  const image = benchImage(insns);
  let peak = process.memoryUsage().rss;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  compileX86(benchImage(generateProgram(10_000)), DEFAULT_X86_PROFILE, env); // warm-up
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  let passes = 0;
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = compileX86(image, DEFAULT_X86_PROFILE, env);
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    cpuRuns.push((c1.user + c1.system) / 1e6);
    if (!r.ok) throw new Error(r.error.message);
    passes = r.value.passes;
    bytes = r.value.funcs[0]!.code.length;
    runs.push(Number(t1 - t0) / 1e9);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  clearInterval(sample);
  const best = Math.min(...runs);
  const mem = process.memoryUsage();
  console.log(`program: ${n} BPF insns -> ${bytes} bytes of x86-64 in ${passes} passes`);
  console.log(`time (best of ${runs.length}): ${(best * 1000).toFixed(1)} ms  [${runs.map((r) => (r * 1000).toFixed(0)).join(', ')}]`);
  const bestCpu = Math.min(...cpuRuns);
  console.log(
    `throughput: ${(n / best / 1e6).toFixed(2)} M insns/s wall, ${(n / bestCpu / 1e6).toFixed(2)} M insns/s of CPU time, through convergence (target >= 5)`,
  );
  console.log('  (CPU time includes the GC threads; on a loaded machine wall time overstates the cost)');
  console.log(`peak rss: ${(peak / 2 ** 20).toFixed(0)} MiB; heapUsed now ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
}

// Run only when executed (tests import generateProgram from here).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
