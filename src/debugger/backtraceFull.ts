// `backtrace full`: gdb prints each frame's locals under it; a BPF frame's "locals" are its
// stack slots and the registers its prologue saved, exactly as `info frame` shows them for
// the selected frame (frame layout from the JIT, values read from memory now).
import { frameBlock, slotLines } from './infoText.ts';
import type { CommandContext } from './commandContext.ts';

export function backtraceFull(s: CommandContext, limit: number | null): string {
  const v = s.view();
  const frames = limit === null ? v.frames : v.frames.slice(0, limit);
  const lines: string[] = [];
  for (const f of frames) {
    lines.push(...frameBlock(f));
    const fs = s.frameSlotsAt(f.level);
    if (!fs) {
      lines.push(f.trampoline ? '        (a BPF trampoline: no BPF stack of its own)' : '        (no frame built yet)');
      continue;
    }
    lines.push(`        ${fs.fpReg} = ${fs.fp}${f.privateStack ? ', BPF stack on the per-CPU private stack' : ''}`);
    lines.push(...slotLines(fs, '        '));
  }
  return lines.join('\n') || 'No stack.';
}
