// The composition root: turns command-line choices into loaded objects, analysed programs
// and engines. Every user mistake becomes a BpfdbgError with a place.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fail, unwrap } from '../common/diag.ts';
import { analyzeProgram, type AnalysisOptions, type ProgramImage } from '../analysis/index.ts';
import { loadObject, type BpfObject, type BpfProgram } from '../object/index.ts';

export function openObject(path: string | undefined): BpfObject {
  if (!path) fail('cli.no-object', 'no object file given (bpfdbg OBJ ...)');
  if (!existsSync(path)) fail('cli.no-such-file', `${path}: no such file`);
  if (statSync(path).isDirectory()) fail('cli.is-directory', `${path}: is a directory, not a BPF object`);
  const bytes = new Uint8Array(readFileSync(path));
  return unwrap(loadObject(bytes, path));
}

/**
 * The program to debug or run: `--prog`, else the object's entry program — one named
 * `entry`, else the first autoload program that no prog_array initialiser targets
 * (tail-call targets are rarely where a user wants to start), else the first program.
 */
export function selectProgram(obj: BpfObject, name?: string): BpfProgram {
  if (name !== undefined) {
    const p = obj.programs.find((q) => q.name === name);
    if (!p) fail('cli.no-such-prog', `no program '${name}' in ${obj.path} (programs: ${obj.programs.map((q) => q.name).join(', ')})`, { file: obj.path });
    return p;
  }
  if (obj.programs.length === 0) fail('cli.no-programs', `${obj.path} has no BPF programs`, { file: obj.path });
  const targets = new Set(obj.maps.flatMap((m) => (m.initSlots ?? []).map((s) => s.prog)));
  return (
    obj.programs.find((p) => p.name === 'entry') ??
    obj.programs.find((p) => p.autoload && !targets.has(p.name)) ??
    obj.programs[0]!
  );
}

export function analyze(obj: BpfObject, prog: BpfProgram, opts: AnalysisOptions = {}): ProgramImage {
  return unwrap(analyzeProgram(obj, prog, opts));
}

export function readInput(opts: { data?: string; dataHex?: string; ctx?: string }): { data?: Uint8Array; ctx?: Uint8Array } {
  const out: { data?: Uint8Array; ctx?: Uint8Array } = {};
  if (opts.data !== undefined && opts.dataHex !== undefined) fail('cli.data-twice', 'give either --data or --data-hex, not both');
  if (opts.data !== undefined) {
    if (!existsSync(opts.data)) fail('cli.no-such-file', `${opts.data}: no such file (--data)`);
    out.data = new Uint8Array(readFileSync(opts.data));
  }
  if (opts.dataHex !== undefined) out.data = Uint8Array.from(opts.dataHex.match(/../g) ?? [], (h) => parseInt(h, 16));
  if (opts.ctx !== undefined) {
    if (!existsSync(opts.ctx)) fail('cli.no-such-file', `${opts.ctx}: no such file (--ctx)`);
    out.ctx = new Uint8Array(readFileSync(opts.ctx));
  }
  return out;
}
