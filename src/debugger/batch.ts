// Batch mode: command lines in, results out, no UI. Text mode prints each command after a
// `(bpfdbg) ` prompt followed by its output; --json prints exactly one JSON object per
// command (docs/json.md). A failing command is an object with its error, never a crash.
import type { CommandResult } from './command.ts';
import type { View } from './view.ts';

export const BATCH_SCHEMA = 'bpfdbg.batch/1';

/** The documented per-command JSON object (docs/json.md). */
export function batchJson(r: CommandResult): object {
  const v: View = r.view;
  const regs = v.registers;
  return {
    schema: BATCH_SCHEMA,
    command: r.command,
    ok: r.ok,
    error: r.error ? { code: r.error.code, message: r.error.message, place: r.error.place } : null,
    output: r.output.filter((l) => l.kind !== 'command').map((l) => l.text),
    runState: v.runState,
    stop: v.stop,
    location: v.location,
    registers: regs && {
      pc: regs.pc,
      sp: regs.sp,
      bpf: Object.fromEntries(regs.bpf.map((b) => [b.name, b.value])),
      native: Object.fromEntries(regs.native.map((n) => [n.name, n.value])),
      changed: regs.native.filter((n) => n.changed).map((n) => n.name),
      flags: regs.flags,
      privateFramePointer: regs.privateFramePointer,
      tailCallCounter: regs.tailCallCounter,
    },
    frames: v.frames,
    callChain: v.callChain,
    pokes: v.pokes,
    maps: v.maps,
    breakpoints: v.breakpoints,
    catchpoints: v.catchpoints ?? [],
    displays: v.displays ?? [],
    objects: v.objects ?? [],
    links: v.links ?? [],
    pins: v.pins ?? [],
    history: v.history ?? null,
  };
}

/** Text of one command's result: the prompt line, then its output (errors prefixed). */
export function batchText(r: CommandResult): string {
  const lines = [`(bpfdbg) ${r.command}`];
  for (const l of r.output) {
    if (l.kind === 'command') continue;
    lines.push(l.kind === 'error' ? `error: ${l.text}` : l.text);
  }
  return lines.join('\n') + '\n';
}

/** Splits a script: one command per line; blank lines and `#` comments skipped. */
export function scriptLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Runs the commands, writing each result as it completes; stops after `quit`. */
/** Anything that executes command lines like a Session (a recording session does too). */
export interface CommandExecutor {
  execute(text: string): Promise<CommandResult>;
}

export async function runBatch(
  s: CommandExecutor,
  commands: Iterable<string> | AsyncIterable<string>,
  write: (text: string) => void,
  json: boolean,
): Promise<{ failed: number }> {
  let failed = 0;
  for await (const c of commands) {
    const r = await s.execute(c);
    if (!r.ok) failed++;
    write(json ? JSON.stringify(batchJson(r)) + '\n' : batchText(r));
    if (r.quit) break;
  }
  return { failed };
}
