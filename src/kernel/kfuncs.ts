// kfunc calls in the model. Every kernel function sits at its model kallsyms address
// (common/kallsyms.ts: derived from its vmlinux BTF id), the JITs call it there, and the
// machine's kfunc trap area and the interpreter both land here. No kfunc has a model yet:
// the call stops the run with one line naming the kfunc (the engine adds the instruction
// and source line). The verifier rewrites some kfuncs into plain instructions
// (bpf_cast_to_kern_ctx, bpf_rdonly_cast); those never reach a call.
import { BpfdbgError } from '../common/diag.ts';
import type { BpfObject } from '../object/index.ts';
import { unsupportedKfunc } from './errors.ts';

/** The kfunc a loaded object calls by vmlinux BTF id (from its resolved externs). */
export function kfuncName(objects: readonly { object: BpfObject }[], btfId: number): string | undefined {
  for (const o of objects) {
    const e = o.object.externs?.find((x) => x.kind === 'kfunc' && x.kernelBtfId === btfId);
    if (e) return e.name;
  }
  return undefined;
}

/** Calls kfunc `btfId`: none is modelled, so this is a user-facing error naming it. */
export function callKfunc(objects: readonly { object: BpfObject }[], btfId: number): never {
  throw new BpfdbgError(unsupportedKfunc(btfId, kfuncName(objects, btfId)));
}
