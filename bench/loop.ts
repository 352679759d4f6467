// bench/loop: bpf_loop with a trivial callback (issue 15 item 6: bpf_loop(1 << 23) took
// > 60 s on x86-64, one host round trip per callback). The helper's loop now runs as guest
// code in uncounted runs (`bpfdbg run`, machine/loopTrampoline.ts); side by side in one run:
// that, the host loop it replaced (the same engine with the guest loop turned off), and the
// interpreter. The flags come from skb->mark (0 at run time, unknown to the verifier), so
// the analysis cannot inline the loop: the helper runs. `node --import tsx bench/loop.ts [log2 n]`
import { analyzeProgram } from '../src/analysis/index.ts';
import { unwrap } from '../src/common/diag.ts';
import { KernelModel, testRun } from '../src/kernel/index.ts';
import type { JitEngine } from '../src/engine/jitEngine.ts';
import { RiscvEngine } from '../src/engine/riscvEngine.ts';
import { X86Engine } from '../src/engine/x86Engine.ts';
import type { BpfObject } from '../src/object/types.ts';
import { mkObj, mkProg } from '../test/analysis/progs.ts';

const log2 = Number(process.argv[2] ?? 23);
const N = 2 ** log2;
const data = new Uint8Array(64);

/** bpf_loop(n, cb, 0, skb->mark); cb(i) = (i == stopAt), so the result says where it stopped. */
export function loopObject(n: number, stopAt = -1): BpfObject {
  return mkObj(
    mkProg(
      `
    r4 = *(u32 *)(r1 + 8)
    r1 = ${n}
    r2 = func[cb] ll
    r3 = 0
    call bpf_loop
    exit
  cb:
    r0 = 0
    if r1 != ${stopAt} goto out
    r0 = 1
  out:
    exit`,
      {
        name: 'loop',
        funcs: [
          { name: 'loop', start: 0, global: true },
          { name: 'cb', start: 6 },
        ],
      },
    ),
  );
}

function timed<T>(fn: () => T): { ms: number; v: T } {
  const t0 = performance.now();
  const v = fn();
  return { ms: performance.now() - t0, v };
}

async function jit(create: () => Promise<JitEngine>, n: number, guest: boolean) {
  const obj = loopObject(n);
  const eng = await create();
  if (!guest) eng.machine.loopInGuest = () => false;
  const p = unwrap(eng.loadObject(obj, [unwrap(analyzeProgram(obj, obj.programs[0]!, {}))])).programs[0]!;
  eng.testRun(p, { data, budget: Infinity }); // translate once
  const r = timed(() => eng.testRun(p, { data, budget: Infinity }));
  eng.close();
  if (r.v.error) throw new Error(r.v.error.message);
  return { ms: r.ms, r0: r.v.r0 };
}

function interp(n: number) {
  const obj = loopObject(n);
  const model = new KernelModel();
  const p = model.loadObject(obj, [unwrap(analyzeProgram(obj, obj.programs[0]!, {}))]).programs[0]!;
  const r = timed(() => testRun(model, p, { data, budget: 1e12 }));
  if (r.v.error) throw new Error(r.v.error.message);
  return { ms: r.ms, r0: r.v.r0 };
}

const small = Math.min(N, 1 << 14);
const rows: [string, number, { ms: number; r0: bigint }][] = [
  ['x86-64, guest loop (now)', N, await jit(() => X86Engine.create({ countTailCalls: false }), N, true)],
  ['riscv64, guest loop (now)', N, await jit(() => RiscvEngine.create({ countTailCalls: false }), N, true)],
  ['x86-64, host loop (before)', small, await jit(() => X86Engine.create({ countTailCalls: false }), small, false)],
  ['riscv64, host loop (before)', small, await jit(() => RiscvEngine.create({ countTailCalls: false }), small, false)],
  ['interpreter', small, interp(small)],
];
console.log(`bench/loop: bpf_loop(n, trivial callback, flags unknown to the verifier), one run each`);
console.log('| engine | n | run | per callback | retval |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, n, r] of rows) {
  console.log(`| ${name} | ${n.toLocaleString('en-US')} | ${r.ms.toFixed(1)} ms | ${((r.ms * 1e6) / n).toFixed(1)} ns | ${r.r0} |`);
}
