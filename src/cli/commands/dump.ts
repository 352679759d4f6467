// `bpfdbg dump OBJ`: instructions with their source lines, as loaded (default), as the
// verifier rewrote them (--xlated), or as the JIT emitted them (--jited; --raw hex,
// --json for scripts comparing with real kernels).
import { insnIdx } from '../../common/ids.ts';
import type { ProgramImage } from '../../analysis/index.ts';
import { disasmInsn } from '../../bpf/disasm.ts';
import { insnSlots } from '../../bpf/opcodes.ts';
import { analyze, openObject } from '../compose.ts';
import { BpfdbgError } from '../../common/diag.ts';
import { kernelBtfFor, requireProfile } from '../jitAll.ts';
import type { CliOptions } from '../options.ts';
import type { BpfObject, BpfProgram, SourcePos } from '../../object/index.ts';
import { lineAt } from '../../object/index.ts';

export async function dumpCommand(opts: CliOptions): Promise<number> {
  const obj = openObject(opts.file, opts.profiles ? undefined : kernelBtfFor(requireProfile(opts.arch, opts.profile)));
  const progs = opts.prog === undefined ? obj.programs : obj.programs.filter((p) => p.name === opts.prog);
  const refused = opts.prog === undefined ? undefined : obj.rejected?.find((r) => r.name === opts.prog);
  if (refused && !(opts.jited || opts.raw || opts.profiles)) throw new BpfdbgError(refused.error);
  if (progs.length === 0 && !refused) {
    const { selectProgram } = await import('../compose.ts');
    selectProgram(obj, opts.prog); // throws the one-line "no program" error
  }
  if (opts.jited || opts.raw || opts.profiles || opts.elf !== undefined) return (await import('./dumpJited.ts')).dumpJited(obj, progs, opts);
  const out: string[] = [];
  for (const p of progs) {
    if (opts.xlated) {
      const im = analyze(obj, p, { privStack: 'adaptive' });
      out.push(...xlatedListing(obj, im));
    } else out.push(...loadedListing(obj, p));
    out.push('');
  }
  process.stdout.write(out.join('\n'));
  return 0;
}

function sourceLine(src: SourePosOrNull, last: { key: string }): string | null {
  if (!src) return null;
  const key = `${src.file}:${src.line}`;
  if (key === last.key) return null;
  last.key = key;
  return `; ${src.text.trim()} @ ${src.file.split('/').pop()}:${src.line}`;
}
type SourePosOrNull = SourcePos | undefined | null;

function loadedListing(obj: BpfObject, p: BpfProgram): string[] {
  const out = [`${p.name}:  [${p.section}] ${p.progType}`];
  const last = { key: '' };
  const mapName = (i: number) => obj.maps[i]?.name;
  for (let pc = 0; pc < p.insns.length; pc += insnSlots(p.insns[pc]!)) {
    const f = p.funcs.find((fn) => fn.start === pc);
    if (f && pc !== 0) out.push(`${f.name}:`);
    const s = sourceLine(lineAt(p, pc), last);
    if (s) out.push(s);
    out.push(`${String(pc).padStart(5)}: ${disasmInsn(p.insns, pc, { symbolic: true, mapName })}`);
  }
  return out;
}

export function xlatedListing(obj: BpfObject, im: ProgramImage): string[] {
  const out = [`${im.program.name}:  [${im.program.section}] ${im.progType} (xlated)`];
  const last = { key: '' };
  const mapName = (i: number) => obj.maps[i]?.name;
  for (let pc = 0; pc < im.insns.length; pc += insnSlots(im.insns[pc]!)) {
    const sp = im.subprogs.find((s) => s.start === pc);
    if (sp)
      out.push(
        `${sp.name}:  stack ${sp.stackDepth}${sp.tailCallReachable ? ', tail_call_reachable' : ''}${sp.privStackMode === 'adaptive' ? ', private stack' : ''}`,
      );
    const s = sourceLine(im.sourceOf(insnIdx(pc)), last);
    if (s) out.push(s);
    out.push(`${String(pc).padStart(5)}: ${disasmInsn(im.insns, pc, { symbolic: true, mapName })}`);
  }
  return out;
}
