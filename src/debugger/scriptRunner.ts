// gdb's command scripting: `source FILE`, breakpoint `commands ... end` (run at each stop of
// the breakpoint; `silent` hides the stop, a command that resumes ends the list and the
// next stop runs its own), `ignore`, `save breakpoints`, `echo` and `printf`. Commands run
// by a script go through CommandContext.executor, the session's top-level entry (a recording
// session's when there is one), so reverse-* and record work there as typed.
import { writeFileSync } from 'node:fs';
import type { Diag } from '../common/diag.ts';
import { INPUT_LIMITS, readBoundedFile } from '../common/boundedRead.ts';
import type { CommandResult } from './command.ts';
import { LAST_BREAKPOINT, type ScriptCommand } from './commands/scriptCommands.ts';
import { errors } from './errors.ts';
import { evalExpr } from './expr/evalExpr.ts';
import { formatPrintf } from './printfFormat.ts';
import type { CommandContext } from './commandContext.ts';

/** `source` inside sourced files, at most this deep (a file that sources itself stops here). */
export const MAX_SOURCE_DEPTH = 10;

const d = (code: string, message: string): Diag => ({ code, message, place: {} });

/** Text from echo/printf: whole lines are printed, the rest waits for more (gdb's stdout). */
export function emitText(s: CommandContext, text: string): void {
  const all = s.script.partial + text;
  const lines = all.split('\n');
  s.script.partial = lines.pop()!;
  for (const l of lines) s.print(l);
}

/** End of a top-level command: text without its newline is printed now. */
export function flushText(s: CommandContext): void {
  if (s.script.partial === '') return;
  s.print(s.script.partial);
  s.script.partial = '';
}

/** One line of a `commands` block (or its `end`). */
export function collectBlockLine(s: CommandContext, text: string): void {
  const b = s.script.block!;
  const line = text.trim();
  if (line !== 'end') {
    if (line !== '' && !line.startsWith('#')) b.lines.push(line);
    return;
  }
  s.script.block = null;
  for (const id of b.ids) {
    const bp = s.bps.get(id);
    if (bp) bp.commands = b.lines.length ? [...b.lines] : undefined;
  }
}

const lastId = (s: CommandContext): number | null => s.bps.lastId();

function resolveId(s: CommandContext, id: number): number | null {
  return id === LAST_BREAKPOINT ? lastId(s) : id;
}

/** Runs one command line for a script: through the session's top-level executor. */
async function runNested(s: CommandContext, line: string): Promise<CommandResult> {
  s.script.nested++;
  try {
    return await s.executor.execute(line);
  } finally {
    s.script.nested--;
  }
}

export async function executeScript(s: CommandContext, cmd: ScriptCommand): Promise<Diag | null> {
  switch (cmd.kind) {
    case 'echo':
      emitText(s, cmd.text);
      return null;
    case 'printf': {
      const env = s.exprEnv();
      const values: bigint[] = [];
      for (let k = 0; k < cmd.args.length; k++) {
        const v = evalExpr(cmd.args[k]!, env);
        if (!v.ok) return v.error;
        values.push(v.value);
      }
      const r = formatPrintf(cmd.format, { values, string: (addr) => cString(s, addr) });
      if (!r.ok) return r.error;
      emitText(s, r.value);
      return null;
    }
    case 'ignore': {
      const id = resolveId(s, cmd.id);
      const b = id === null ? undefined : s.bps.get(id);
      if (!b) return errors.noSuchBreakpoint(id ?? 0);
      b.ignore = cmd.count;
      s.print(
        cmd.count === 0
          ? `Will stop next time breakpoint ${b.id} is reached.`
          : cmd.count === 1
            ? `Will ignore next crossing of breakpoint ${b.id}.`
            : `Will ignore next ${cmd.count} crossings of breakpoint ${b.id}.`,
      );
      return null;
    }
    case 'commands': {
      const ids = cmd.ids.length ? cmd.ids.map((i) => resolveId(s, i)) : [lastId(s)];
      for (const id of ids) {
        if (id === null) return d('debug.no-breakpoint', 'commands: no breakpoints set yet');
        if (!s.bps.get(id))
          return s.bps.ids().includes(id)
            ? d('debug.no-breakpoint', `commands: ${id} is a catchpoint; only breakpoints run commands`)
            : errors.noSuchBreakpoint(id);
      }
      s.script.block = { ids: ids as number[], lines: [] };
      // gdb's words; in the TUI and batch mode the lines that follow are the block.
      if (s.script.nested === 0) s.print(`Type commands for breakpoint(s) ${ids.join(' ')}, one per line.\nEnd with a line saying just "end".`, 'info');
      return null;
    }
    case 'saveBreakpoints': {
      try {
        writeFileSync(cmd.file, savedBreakpoints(s));
      } catch (e) {
        return d('debug.save', `save breakpoints: ${cmd.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      s.print(`Saved to file '${cmd.file}'.`);
      return null;
    }
    case 'source':
      return source(s, cmd.file);
    case 'jump':
      return null; // executeCommand.ts (it runs the program)
    case 'tui':
      return d('debug.tui-only', `${cmd.what}: only the TUI has panes to arrange (bpfdbg OBJ without --batch)`);
  }
}

/** gdb's `source`: each line as typed; the first failing one ends it, named FILE:LINE. */
async function source(s: CommandContext, file: string): Promise<Diag | null> {
  const st = s.script;
  if (st.sourcing.length >= MAX_SOURCE_DEPTH)
    return d('debug.source-depth', `source: ${file}: sourced files nest more than ${MAX_SOURCE_DEPTH} deep (${st.sourcing.at(-1)} sources it)`);
  const bytes = readBoundedFile(file, INPUT_LIMITS.script, 'a command file');
  if (!bytes.ok) return { ...bytes.error, message: `source: ${file}: ${bytes.error.message}` };
  const lines = new TextDecoder().decode(bytes.value).split('\n');
  st.sourcing.push(file);
  try {
    for (let k = 0; k < lines.length; k++) {
      const text = lines[k]!.trim();
      if (text === '' || (text.startsWith('#') && !st.block)) continue;
      const r = await runNested(s, text);
      if (r.quit) {
        st.quit = true;
        return null;
      }
      if (!r.ok) {
        st.block = null;
        const why = r.error ? r.error.message : 'failed';
        return { code: r.error?.code ?? 'debug.source', message: `${file}:${k + 1}: ${why}`, place: r.error?.place ?? {} };
      }
    }
    if (st.block) {
      st.block = null;
      return d('debug.source', `${file}:${lines.length}: a "commands" block without its "end"`);
    }
    return null;
  } finally {
    st.sourcing.pop();
  }
}

/**
 * After a command that stopped at a breakpoint with commands: runs them, as gdb does. A
 * command that resumes (continue, step...) ends the list; if that run stops at a
 * breakpoint with commands, those run next. The first error ends it all.
 */
export async function runBreakpointCommands(s: CommandContext): Promise<Diag | null> {
  const st = s.script;
  if (st.inBreakpointCommands) return null;
  st.inBreakpointCommands = true;
  try {
    for (;;) {
      const stop = s.stop;
      if (s.runState !== 'stopped' || stop?.kind !== 'breakpoint') return null;
      const bp = s.bps.get(stop.id);
      const list = (bp?.commands ?? []).filter((l) => l !== 'silent');
      if (list.length === 0) return null;
      let resumed = false;
      for (const line of list) {
        const r = await runNested(s, line);
        if (r.quit) {
          st.quit = true;
          return null;
        }
        if (!r.ok)
          return {
            code: r.error?.code ?? 'debug.commands',
            message: `breakpoint ${stop.id} commands: ${line}: ${r.error?.message ?? 'failed'}`,
            place: r.error?.place ?? {},
          };
        if (s.stop !== stop || s.runState !== 'stopped') {
          resumed = true;
          break;
        }
      }
      if (!resumed) return null;
    }
  } finally {
    st.inBreakpointCommands = false;
  }
}

/** The breakpoints as commands that recreate them (gdb's `save breakpoints` format). */
export function savedBreakpoints(s: CommandContext): string {
  const out = ['# bpfdbg breakpoints: reload with "source FILE"'];
  const rows: [number, string[]][] = [];
  for (const b of s.bps.all()) {
    const lines = [`${b.temporary ? 'tbreak' : 'break'} ${b.spec}${b.condText ? ` if ${b.condText}` : ''}`];
    if (b.commands?.length) lines.push('  commands', ...b.commands.map((c) => `    ${c}`), '  end');
    if (b.ignore) lines.push(`ignore $bpnum ${b.ignore}`);
    if (!b.enabled) lines.push('disable $bpnum');
    rows.push([b.id, lines]);
  }
  for (const c of s.bps.allCatches()) rows.push([c.id, [`catch ${c.what}`, ...(c.enabled ? [] : ['disable $bpnum'])]]);
  for (const [, lines] of rows.sort((a, b) => a[0] - b[0])) out.push(...lines);
  return out.join('\n') + '\n';
}

/** The NUL-terminated string at `addr` (at most 4 KiB), or undefined when unmapped. */
function cString(s: CommandContext, addr: bigint): string | undefined {
  const m = s.target.machine;
  if (!m.isMapped(addr, 1)) return undefined;
  const bytes: number[] = [];
  for (let k = 0; k < 4096 && m.isMapped(addr + BigInt(k), 1); k++) {
    const c = m.readMem(addr + BigInt(k), 1)[0]!;
    if (c === 0) break;
    bytes.push(c);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
