// `bpfdbg OBJ ...`: the debugger. Batch mode (--batch, or stdin not a terminal) runs
// commands from -x FILE or stdin and prints their results (--json: one object per
// command, docs/json.md); otherwise the full-screen TUI drives the same Session.
import { existsSync } from 'node:fs';
import { INPUT_LIMITS, readBoundedFile } from '../../common/boundedRead.ts';
import { createInterface } from 'node:readline';
import { fail, unwrap } from '../../common/diag.ts';
import { runBatch, scriptLines } from '../../debugger/index.ts';
import { openDebugRecording } from '../../record/index.ts';
import { debugRecordingOptions, openObject } from '../compose.ts';
import { requireProfile } from '../jitAll.ts';
import type { CliOptions } from '../options.ts';

export async function debugCommand(opts: CliOptions): Promise<number> {
  // `bpfdbg ... | head`: a closed pipe ends batch output quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const gdb = opts.gdb !== undefined;
  const batch = !gdb && (opts.batch || opts.script !== undefined || !process.stdin.isTTY);
  // Loading is synchronous (ELF and BTF, verifier analysis, JIT, the first code window):
  // a line says what is under way until the UI takes the screen (~3 s for 160,000 insns).
  const status = !batch && process.stderr.isTTY ? (text: string): void => void process.stderr.write(`\r\x1b[K${text}`) : (): void => {};
  if (opts.script !== undefined && !existsSync(opts.script)) fail('cli.no-such-file', `${opts.script}: no such file (-x)`);
  // A usage mistake (exit 2) before any work: an unknown --profile for the arch.
  if (opts.profile !== undefined) requireProfile(opts.arch ?? 'x86_64', opts.profile);
  const dr = await (async () => {
    try {
      status(`bpfdbg: reading ${opts.file ?? ''}…`);
      const obj = openObject(opts.file);
      const insns = obj.programs.reduce((n, p) => n + p.insns.length, 0);
      status(
        `bpfdbg: ${obj.name}: ${obj.programs.length} program${obj.programs.length === 1 ? '' : 's'}, ${insns.toLocaleString('en-US')} BPF insns: verifier analysis, JIT (${opts.arch ?? 'x86_64'}${opts.profile ? `, ${opts.profile}` : ''}), code windows…`,
      );
      // Sessions run traced: reverse-* and `record start|save` always work, and --record
      // saves the session when the debugger ends.
      const dr = unwrap(
        await openDebugRecording(debugRecordingOptions(opts, obj, !batch)), // interactive: gdb's Ctrl-C needs the yields too
      );
      return dr;
    } finally {
      status(''); // an error line or the UI comes next, on a clean line
    }
  })();
  for (const n of dr.notes) process.stderr.write(`bpfdbg: ${n}\n`);
  let code = 0;
  // A signal ends the session but not the recording: finish() saves it first (once).
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    const saved = dr.finish();
    if (!saved.ok) {
      process.stderr.write(`bpfdbg: ${saved.error.message}\n`);
      code = 1;
    } else if (saved.value) process.stderr.write(`${saved.value}\n`);
  };
  const onBatchSignal = (sig: string): void => {
    finish();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const ownSignals = batch || gdb; // the TUI handles its own (it restores the terminal first)
  if (ownSignals) for (const s of signals) process.on(s, onBatchSignal);
  try {
    if (gdb) {
      await (await import('./gdb.ts')).serveGdbCommand(dr.port, opts.gdb!);
    } else if (!batch) {
      const { runTui } = await import('../../tui/run.tsx');
      await runTui(dr.port, { onSignal: () => finish() });
    } else {
      const commands =
        opts.script !== undefined
          ? scriptLines(new TextDecoder().decode(unwrap(readBoundedFile(opts.script, INPUT_LIMITS.script, 'a command script'))))
          : stdinLines();
      const { failed } = await runBatch(dr.port, commands, (t) => process.stdout.write(t), opts.json);
      // As `replay --batch` and gdb -batch: a failed command makes the exit status 1 (the
      // output, text or JSON, says which command and why).
      if (failed > 0) code = 1;
    }
  } finally {
    for (const s of signals) process.off(s, onBatchSignal);
    finish();
    dr.port.session.dispose();
  }
  return code;
}

async function* stdinLines(): AsyncIterable<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const l = line.trim();
    if (l !== '' && !l.startsWith('#')) yield l;
  }
}
