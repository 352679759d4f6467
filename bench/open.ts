// Opening the debugger on a large program: ELF-less (an in-memory object), so the time is
// verifier analysis, JIT, placing, and the first View (the code window decodes the whole
// entry function with Capstone and looks up a source line per insn). Two sizes, side by
// side: the per-insn cost at 160,000 insns over that at 20,000 is ~1 when opening is
// linear (a quadratic line lookup once made it ~8 and 160,000 insns took 36 s).
// Run: node --import tsx bench/open.ts
import { performance } from 'node:perf_hooks';
import { type Insn, insn } from '../src/bpf/insn.ts';
import { insnIdx, fileOff, srcLine } from '../src/common/ids.ts';
import { unwrap } from '../src/common/diag.ts';
import type { BpfObject, LineInfoRec } from '../src/object/types.ts';
import { openSession } from '../src/debugger/openSession.ts';

function objectOf(n: number): BpfObject {
  const insns: Insn[] = [insn(0xb7, 0, 0, 0, 0)];
  while (insns.length < n - 1) insns.push(insn(0x07, 0, 0, 0, 1), insn(0x7b, 10, 0, -8));
  insns.length = n - 1;
  insns.push(insn(0x95));
  const lineInfo: LineInfoRec[] = insns.map((_, i) => ({ insn: insnIdx(i), file: 'big.c', line: srcLine(10 + i), col: 3, text: `  x += ${i};` }));
  return {
    path: 'big.o',
    name: 'big',
    bytes: new Uint8Array(0),
    license: 'GPL',
    littleEndian: true,
    maps: [],
    globals: [],
    programs: [
      {
        name: 'big',
        section: 'tc',
        autoload: true,
        progType: 'sched_cls',
        insns,
        funcs: [{ name: 'big', start: insnIdx(0), len: n, section: 'tc', sectionInsn: 0, global: true }],
        lineInfo,
        fileOff: fileOff(0),
      },
    ],
    subprograms: [],
    sources: new Map(),
  };
}

async function openMs(n: number): Promise<number> {
  const obj = objectOf(n);
  const t0 = performance.now();
  const s = unwrap(await openSession(obj));
  const ms = performance.now() - t0;
  s.dispose();
  return ms;
}

await openMs(2000); // warm up (Capstone, Unicorn, V8)
const small = 20_000,
  large = 160_000;
const a = await openMs(small);
const b = await openMs(large);
console.log(`open ${small.toLocaleString('en-US')} insns: ${a.toFixed(0)} ms (${((a / small) * 1000).toFixed(1)} µs/insn)`);
console.log(`open ${large.toLocaleString('en-US')} insns: ${b.toFixed(0)} ms (${((b / large) * 1000).toFixed(1)} µs/insn)`);
console.log(`per-insn cost, large / small: ${(b / large / (a / small)).toFixed(2)}   target ~1 (linear)`);
