// The DAP stack: the engine's frames, innermost first, each followed by the tail-call hops
// that replaced its program (most recent first), as frames of their own: the program
// that made the tail call, at its tail-call instruction, labelled with the map slot, the
// program entered and the counter after the hop. Sources are the C files of BTF line info,
// found next to the object or where BTF says (objects are often built elsewhere).
import { insnIdx, type InsnIdx } from '../common/ids.ts';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Session, SourceRef, TailCallHop, View } from '../debugger/index.ts';

export interface DapFrame {
  /** The engine frame level it belongs to (hops: the frame they replaced). */
  level: number;
  hop: TailCallHop | null;
  name: string;
  addr: string | null;
  source: { name: string; path: string | null } | null;
  line: number;
}

/**
 * Where a BTF source path is on this machine: beside the object first (the copy the user
 * has open when the object was built elsewhere), else as recorded, else null.
 */
export function localSource(file: string, objectPath: string): string | null {
  const near = join(dirname(objectPath), basename(file));
  if (existsSync(near)) return near;
  return existsSync(file) ? file : null;
}

function sourceOf(ref: SourceRef | null | undefined, objectPath: string): Pick<DapFrame, 'source' | 'line'> {
  if (!ref) return { source: null, line: 0 };
  return { source: { name: basename(ref.file), path: localSource(ref.file, objectPath) }, line: ref.line };
}

/** The source line and native address of `program`'s insn `insn` (a hop's tail call). */
function insnPlace(s: Session, program: string, insn: InsnIdx): { ref: SourceRef | null; addr: bigint | null } {
  const t = s.target;
  const p = t.programs.find((q) => t.objects.displayName(q) === program || q.name === program);
  if (!p) return { ref: null, addr: null };
  const src = p.image.sourceOf(insn);
  return { ref: src ? { file: src.file, line: src.line, col: src.col, text: src.text } : null, addr: t.index.addressOf(p, insn) };
}

export function dapFrames(v: View, s: Session, objectPath: string): DapFrame[] {
  const out: DapFrame[] = [];
  for (const f of v.frames) {
    out.push({
      level: f.level,
      hop: null,
      name: `${f.func}${f.func !== f.program ? ` [${f.program}]` : ''}${f.tcc !== null ? ` (tcc ${f.tcc})` : ''}`,
      addr: f.nativeAddr,
      ...sourceOf(f.source, objectPath),
    });
    for (const h of [...f.replaced].reverse()) {
      const at = insnPlace(s, h.program, insnIdx(h.insn));
      out.push({
        level: f.level,
        hop: h,
        name: `${h.func}: tail call ${h.map}[${h.key}] (${h.direct ? 'direct' : 'indirect'}) -> ${h.to}, tcc ${h.tcc}`,
        addr: at.addr === null ? null : `0x${at.addr.toString(16)}`,
        ...sourceOf(at.ref, objectPath),
      });
    }
  }
  return out;
}
