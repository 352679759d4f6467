// kfunc calls in the model. Every kernel function sits at its model kallsyms address
// (common/kallsyms.ts: derived from its vmlinux BTF id), the JITs call it there, and the
// machine's kfunc trap area and the interpreter both land here. No kfunc has a model yet:
// the call stops the run with one line naming the kfunc (the engine adds the instruction
// and source line). The verifier rewrites some kfuncs into plain instructions
// (bpf_cast_to_kern_ctx, bpf_rdonly_cast); those never reach a call.
import { BpfThrow } from '../bpf/bpfThrow.ts';
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

/**
 * Calls kfunc `btfId` with r1..r5. bpf_throw raises BpfThrow(cookie) for the engine to unwind;
 * any other kfunc is a user-facing error naming it.
 */
export function callKfunc(objects: readonly { object: BpfObject }[], btfId: number, args: readonly bigint[] = []): never {
  const name = kfuncName(objects, btfId);
  if (name === 'bpf_throw') throw new BpfThrow(args[0] ?? 0n);
  throw new BpfdbgError(unsupportedKfunc(btfId, name));
}
