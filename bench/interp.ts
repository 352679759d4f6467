// Reference-interpreter throughput on loop-heavy programs, in BPF instructions per second.
// Run: node --import tsx bench/interp.ts [iterations]
// Two programs: an ALU/branch loop (registers only) and a loop that also loads and stores
// on the stack and calls a helper every iteration, both against a real KernelModel.
import { asm } from '../src/bpf/asm.ts';
import { Interpreter, type InterpProgram } from '../src/bpf/interpreter.ts';
import { KernelModel } from '../src/kernel/kernelModel.ts';
import type { ProgramImage } from '../src/analysis/types.ts';
import type { BpfObject } from '../src/object/types.ts';

const iterations = Number(process.argv[2] ?? 1_000_000);

const programs: [string, string][] = [
  [
    'alu loop',
    `
    r0 = 0
    r1 = 0
  loop:
    r2 = r1
    r2 *= 3
    r0 += r2
    r0 ^= r1
    w3 = w1
    w3 >>= 2
    r0 -= r3
    r1 += 1
    if r1 < ${iterations} goto loop
    exit`,
  ],
  [
    'memory + helper loop',
    `
    r6 = 0
    *(u64 *)(r10 - 8) = 0
  loop:
    r1 = *(u64 *)(r10 - 8)
    r1 += r6
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 12) = r6
    r2 = *(u32 *)(r10 - 12)
    r1 ^= r2
    if r6 & 1023 goto skip
    call bpf_ktime_get_ns
  skip:
    r6 += 1
    if r6 < ${iterations} goto loop
    r0 = *(u64 *)(r10 - 8)
    exit`,
  ],
];

function image(insns: ProgramImage['insns'], object: BpfObject): ProgramImage {
  // Enough of a ProgramImage for the interpreter and the kernel model.
  return {
    object,
    program: { name: 'bench', section: 'tc', autoload: true, progType: 'sched_cls', insns, funcs: [], lineInfo: [], fileOff: 0 as never },
    progType: 'sched_cls',
    insns,
    origInsn: [],
    subprogs: [],
    pokeSites: [],
    tailCallSites: [],
    tailCallReachable: false,
    usesPrivStack: false,
    sourceOf: () => undefined,
    notes: [],
  };
}

console.log(`interpreter throughput, ${iterations} loop iterations (node ${process.version})`);
for (const [name, text] of programs) {
  const object: BpfObject = {
    path: 'bench',
    name: 'bench',
    bytes: new Uint8Array(),
    license: 'GPL',
    littleEndian: true,
    maps: [],
    globals: [],
    programs: [],
    subprograms: [],
    sources: new Map(),
  };
  const model = new KernelModel();
  const img = image(asm(text), object);
  model.loadObject(object, [img]);
  const it = new Interpreter(model.interpEnv(), { budget: Number.MAX_SAFE_INTEGER });
  it.run(img as InterpProgram, [0n]); // warm-up
  const t0 = performance.now();
  const r = it.run(img as InterpProgram, [0n]);
  const ms = performance.now() - t0;
  if (r.error) throw new Error(r.error.message);
  console.log(
    `  ${name.padEnd(22)} ${r.insns.toLocaleString('en').padStart(12)} insns  ${ms.toFixed(0).padStart(6)} ms  ${(r.insns / ms / 1000).toFixed(2)} M insns/s`,
  );
}
