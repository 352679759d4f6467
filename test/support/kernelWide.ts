// The kernel-wide fidelity measurement, in one process: what `bpfdbg list OBJ` and
// `bpfdbg dump OBJ --jited --json --profile P` do for each object of
// ../shared/testdata/kernel-wide, compared function by function with kernel_jited.json
// (fidelityCompare.ts masks only the address fields of the kernel's own instructions).
// Used by scripts/fidelity.ts and test/jit/x86_64/kernelWide.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BpfdbgError, formatDiag } from '../../src/common/diag.ts';
import { jitEach, isJitFailure, kernelBtfFor } from '../../src/cli/jitAll.ts';
import type { JitProfile } from '../../src/jit/types.ts';
import { loadObject } from '../../src/object/index.ts';
import { compareFunction, type FuncOutcome } from './fidelityCompare.ts';

interface KernelProg {
  funcs: { len: number; ksym: string }[];
  bytes: string;
}
export interface KernelJited {
  kernel?: string;
  objects: Record<string, Record<string, KernelProg>>;
}

export interface Outcome extends FuncOutcome {
  obj: string;
  prog: string;
  index: number;
}
export interface CorpusResult {
  objects: string[];
  /** Objects `bpfdbg list` refuses, with its one-line message. */
  listFailures: { obj: string; message: string }[];
  outcomes: Outcome[];
}

export function readKernelJited(dir: string): KernelJited {
  return JSON.parse(readFileSync(path.join(dir, 'kernel_jited.json'), 'utf8')) as KernelJited;
}

const message = (e: unknown): string =>
  e instanceof BpfdbgError ? formatDiag(e.diag) : e instanceof Error ? `internal: ${e.message.split('\n')[0]}` : String(e);

/** Measures every object of `dir` (or those whose name contains `only`) under `profile`. */
export function measureCorpus(dir: string, profile: JitProfile, only?: string): CorpusResult {
  const kernel = readKernelJited(dir);
  const objects = Object.keys(kernel.objects)
    .filter((o) => !only || o.includes(only))
    .sort();
  const res: CorpusResult = { objects, listFailures: [], outcomes: [] };
  for (const obj of objects) {
    const file = path.join(dir, 'obj', obj);
    const loaded = loadObject(new Uint8Array(readFileSync(file)), file, { ...(kernelBtfFor(profile) ? { kernelBtf: kernelBtfFor(profile)! } : {}) });
    let dumpError = '';
    let ours: Map<string, Uint8Array[]> | undefined;
    const refused = new Map<string, string>();
    if (!loaded.ok) {
      dumpError = formatDiag(loaded.error);
      res.listFailures.push({ obj, message: dumpError });
    } else {
      try {
        // As `dump --jited`: a program the verifier or the JIT refuses does not sink the others.
        const outcomes = jitEach(loaded.value, loaded.value.programs, profile);
        ours = new Map(outcomes.flatMap((o) => (isJitFailure(o) ? [] : [[o.program.name, o.code] as const])));
        for (const o of outcomes) if (isJitFailure(o)) refused.set(o.program.name, formatDiag(o.error));
        for (const r of loaded.value.rejected ?? []) refused.set(r.name, formatDiag(r.error));
      } catch (e) {
        dumpError = message(e);
      }
    }
    for (const [prog, k] of Object.entries(kernel.objects[obj]!)) {
      const all = Buffer.from(k.bytes, 'hex');
      const mine = ours?.get(prog);
      let off = 0;
      k.funcs.forEach((f, index) => {
        const kb = all.subarray(off, (off += f.len));
        const base = { obj, prog, index };
        if (!ours) return res.outcomes.push({ ...base, identical: false, cause: `dump: ${dumpError}` });
        if (!mine)
          return res.outcomes.push({ ...base, identical: false, cause: refused.has(prog) ? `refused: ${refused.get(prog)}` : 'program missing from dump' });
        const fn = mine[index];
        if (!fn) return res.outcomes.push({ ...base, identical: false, cause: `we produced ${mine.length} functions` });
        res.outcomes.push({ ...base, ...compareFunction(fn, kb), name: f.ksym.replace(/^bpf_prog_[0-9a-f]+_/, '') });
      });
    }
  }
  return res;
}

/** How many functions are byte-identical modulo addresses. */
export const identicalCount = (r: CorpusResult): number => r.outcomes.filter((o) => o.identical).length;
