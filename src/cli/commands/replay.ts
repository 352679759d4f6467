// `bpfdbg replay FILE [--stop-at N|insn:COUNT] [--batch -x CMDS] [--json]`: re-executes a
// recording (object and input from the file itself), checking the state hash after every
// command and at every checkpoint, then hands the session — at the recording's end, or
// paused at the stop point — to the TUI or to batch commands. Every command works there: read-only ones, stepping, and reverse-* back to
// any point of the recorded run. A corrupt file or a divergence is one line naming where,
// and a non-zero exit; nothing is shown as a replay that is not one.
import { existsSync } from 'node:fs';
import { INPUT_LIMITS, readBoundedFile } from '../../common/boundedRead.ts';
import { createInterface } from 'node:readline';
import { fail, formatDiag, unwrap } from '../../common/diag.ts';
import { batchJson, batchText, scriptLines } from '../../debugger/batch.ts';
import { plural } from '../../debugger/plural.ts';
import { openReplay, parseStopAt, readRecordingFile } from '../../record/index.ts';
import type { CliOptions } from '../options.ts';

export const REPLAY_SCHEMA = 'bpfdbg.replay/1';

export async function replayCommand(opts: CliOptions): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  if (!opts.file) fail('cli.no-recording', 'no recording given (bpfdbg replay FILE)');
  if (opts.script !== undefined && !existsSync(opts.script)) fail('cli.no-such-file', `${opts.script}: no such file (-x)`);
  const stopAt = opts.stopAt === undefined ? undefined : parseStopAt(opts.stopAt);
  if (stopAt === null) fail('cli.bad-stop-at', `--stop-at wants a command number N or insn:COUNT, got '${opts.stopAt}'`);
  const rec = unwrap(readRecordingFile(opts.file));
  const replay = unwrap(await openReplay(rec, opts.file, { yieldBetweenChunks: !opts.batch }));
  const tts = replay.tts;
  try {
    const res = await replay.run(stopAt ? { stopAt } : {});
    const write = (t: string): void => void process.stdout.write(t);
    if (!res.ok) {
      if (opts.json)
        write(JSON.stringify({ schema: REPLAY_SCHEMA, ok: false, error: { code: res.error.code, message: res.error.message, place: res.error.place } }) + '\n');
      process.stderr.write(`bpfdbg: ${formatDiag(res.error)}\n`);
      return 1;
    }
    const r = res.value;
    const summary = {
      schema: REPLAY_SCHEMA,
      ok: true,
      file: opts.file,
      object: rec.meta.object.path,
      engine: rec.meta.engine,
      commands: r.commands,
      checkpointsVerified: r.checkpointsVerified,
      instructions: r.instructions,
      finalHash: r.finalHash,
      ...(r.stoppedAt ? { stoppedAt: r.stoppedAt, recordedCommands: r.recordedCommands } : {}),
    };
    const where = r.stoppedAt ? `paused before command #${r.stoppedAt.command} of ${r.recordedCommands} at instruction ${r.stoppedAt.instruction}` : null;
    const batch = opts.batch || opts.script !== undefined || !process.stdin.isTTY;
    if (opts.json) write(JSON.stringify(summary) + '\n');
    else if (batch)
      write(
        `replayed ${plural(r.commands, 'command')} of ${opts.file} (${rec.meta.object.path}): ${plural(r.instructions, 'instruction')}, ${plural(r.checkpointsVerified, 'checkpoint')} verified, state ${r.finalHash.slice(0, 16)}${where ? `; ${where}` : ''}\n`,
      );
    if (!batch) {
      tts.session.print(
        where
          ? `Replayed ${opts.file} up to the stop point, ${where} (${plural(r.checkpointsVerified, 'checkpoint')} verified). Step forwards (the recorded values still feed helpers) or reverse-stepi / reverse-continue back.`
          : `Replayed ${opts.file}: ${plural(r.commands, 'command')}, ${plural(r.instructions, 'instruction')}, ${plural(r.checkpointsVerified, 'checkpoint')} verified. reverse-stepi / reverse-continue go back in it.`,
        'info',
      );
      const { runTui } = await import('../../tui/run.tsx');
      await runTui(tts);
      return 0;
    }
    const commands =
      opts.script !== undefined
        ? scriptLines(new TextDecoder().decode(unwrap(readBoundedFile(opts.script, INPUT_LIMITS.script, 'a command script'))))
        : stdinLines();
    let failed = 0;
    for await (const c of commands) {
      const out = await tts.execute(c);
      if (!out.ok) failed++;
      write(opts.json ? JSON.stringify(batchJson(out)) + '\n' : batchText(out));
      if (out.quit) break;
    }
    return failed > 0 ? 1 : 0;
  } finally {
    tts.session.dispose();
  }
}

async function* stdinLines(): AsyncIterable<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const l = line.trim();
    if (l !== '' && !l.startsWith('#')) yield l;
  }
}
