// The composition root: turns command-line choices into loaded objects, analysed programs
// and engines. Every user mistake becomes a BpfdbgError with a place.
import { existsSync, statSync } from 'node:fs';
import { INPUT_LIMITS, readBoundedFile } from '../common/boundedRead.ts';
import { fail, unwrap } from '../common/diag.ts';
import { analyzeProgram, type AnalysisOptions, type ProgramImage } from '../analysis/index.ts';
import { chooseProgram, loadObject, type BpfObject, type BpfProgram } from '../object/index.ts';
import type { KernelBtf } from '../object/kernelBtf.ts';
import type { DebugRecordingOptions } from '../record/index.ts';
import type { CliOptions } from './options.ts';

/** `kernelBtf`: where CO-RE relocations resolve (jitAll.ts kernelBtfFor); default the shipped BTF. */
export function openObject(path: string | undefined, kernelBtf?: () => KernelBtf): BpfObject {
  if (!path) fail('cli.no-object', 'no object file given (bpfdbg OBJ ...)');
  if (!existsSync(path)) fail('cli.no-such-file', `${path}: no such file`);
  if (statSync(path).isDirectory()) fail('cli.is-directory', `${path}: is a directory, not a BPF object`);
  const bytes = unwrap(readBoundedFile(path, INPUT_LIMITS.object, 'a BPF object'));
  return unwrap(loadObject(bytes, path, kernelBtf ? { kernelBtf } : {}));
}

/** The program to debug or run: `--prog`, else the object's entry program (object/entryProgram.ts). */
export function selectProgram(obj: BpfObject, name?: string): BpfProgram {
  const r = chooseProgram(obj, name);
  // A --prog naming no program is a command-line mistake (exit 2), not bad input.
  if (!r.ok && name !== undefined && r.error.code === 'object.no-such-prog') fail('cli.no-such-prog', r.error.message, r.error.place);
  return unwrap(r);
}

export function analyze(obj: BpfObject, prog: BpfProgram, opts: AnalysisOptions = {}): ProgramImage {
  return unwrap(analyzeProgram(obj, prog, opts));
}

export function readInput(opts: { data?: string; dataHex?: string; ctx?: string }): { data?: Uint8Array; ctx?: Uint8Array } {
  const out: { data?: Uint8Array; ctx?: Uint8Array } = {};
  if (opts.data !== undefined && opts.dataHex !== undefined) fail('cli.data-twice', 'give either --data or --data-hex, not both');
  if (opts.data !== undefined) {
    if (!existsSync(opts.data)) fail('cli.no-such-file', `${opts.data}: no such file (--data)`);
    out.data = unwrap(readBoundedFile(opts.data, INPUT_LIMITS.testInput, '--data input'));
  }
  if (opts.dataHex !== undefined) out.data = Uint8Array.from(opts.dataHex.match(/../g) ?? [], (h) => parseInt(h, 16));
  if (opts.ctx !== undefined) {
    if (!existsSync(opts.ctx)) fail('cli.no-such-file', `${opts.ctx}: no such file (--ctx)`);
    out.ctx = unwrap(readBoundedFile(opts.ctx, INPUT_LIMITS.testInput, '--ctx input'));
  }
  return out;
}

/** The session `bpfdbg OBJ [options]` debugs (commands/debug.ts), and a DAP launch too (commands/dap.ts). */
export function debugRecordingOptions(opts: CliOptions, obj: BpfObject, interactive: boolean): DebugRecordingOptions {
  return {
    objectPath: obj.path,
    objectBytes: obj.bytes,
    prog: opts.prog,
    arch: opts.arch,
    profile: opts.profile,
    mapUpdates: opts.mapUpdates,
    setup: opts.setup,
    input: readInput(opts),
    record: opts.record,
    force: opts.force,
    interactive,
  };
}
