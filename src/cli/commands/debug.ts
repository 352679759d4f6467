// `bpfdbg OBJ ...`: the debugger. Batch mode (--batch, or stdin not a terminal) runs
// commands from -x FILE or stdin and prints their results (--json: one object per
// command, docs/json.md); otherwise the full-screen TUI drives the same Session.
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fail, unwrap } from '../../common/diag.ts';
import { openSession, runBatch, scriptLines } from '../../debugger/index.ts';
import { openObject, readInput } from '../compose.ts';
import type { CliOptions } from '../options.ts';

export async function debugCommand(opts: CliOptions): Promise<number> {
  // `bpfdbg ... | head`: a closed pipe ends batch output quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const obj = openObject(opts.file);
  const input = readInput(opts);
  const batch = opts.batch || opts.script !== undefined || !process.stdin.isTTY;
  if (opts.script !== undefined && !existsSync(opts.script)) fail('cli.no-such-file', `${opts.script}: no such file (-x)`);
  const session = unwrap(await openSession(
    obj,
    { prog: opts.prog, arch: opts.arch, profile: opts.profile, mapUpdates: opts.mapUpdates },
    { input, yieldBetweenChunks: !batch },
  ));
  try {
    if (!batch) {
      const { runTui } = await import('../../tui/run.tsx');
      await runTui(session);
      return 0;
    }
    const commands = opts.script !== undefined
      ? scriptLines(readFileSync(opts.script, 'utf8'))
      : stdinLines();
    await runBatch(session, commands, (t) => process.stdout.write(t), opts.json);
    return 0;
  } finally {
    session.dispose();
  }
}

async function* stdinLines(): AsyncIterable<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const l = line.trim();
    if (l !== '' && !l.startsWith('#')) yield l;
  }
}
