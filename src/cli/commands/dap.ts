// `bpfdbg dap [--port N]`: the Debug Adapter Protocol server (src/dap/). The adapter gets
// its sessions from here: a launch configuration becomes the command line `bpfdbg OBJ
// [options]` would be, parsed and opened exactly as the debugger opens one; an attach
// configuration replays a recording as `bpfdbg replay FILE [--stop-at ...]` does.
import { resolve } from 'node:path';
import { fail, unwrap } from '../../common/diag.ts';
import { openDebugRecording, openReplay, parseStopAt, readRecordingFile } from '../../record/index.ts';
import { serveDapPort, serveDapStdio, type AttachConfig, type LaunchConfig, type OpenedSession, type Opener } from '../../dap/index.ts';
import { debugRecordingOptions, openObject } from '../compose.ts';
import { parseCli, type CliOptions } from '../options.ts';

/** The command-line words of a launch configuration. */
export function launchArgv(c: LaunchConfig): string[] {
  if (typeof c.program !== 'string' || c.program === '') fail('cli.no-object', 'launch: "program" names the BPF object to debug');
  const opt = (name: string, v: string | undefined): string[] => (v === undefined ? [] : [`--${name}`, v]);
  return [
    c.program,
    ...opt('prog', c.prog),
    ...opt('arch', c.arch),
    ...opt('profile', c.profile),
    ...opt('data', c.data),
    ...opt('data-hex', c.dataHex),
    ...opt('ctx', c.ctx),
    ...(c.mapUpdates ?? []).flatMap((u) => ['--map-update', u]),
    ...(c.record === true ? ['--record'] : typeof c.record === 'string' ? ['--record', c.record] : []),
    ...(c.args ?? []),
  ];
}

const opener: Opener = {
  async launch(c: LaunchConfig): Promise<OpenedSession> {
    const o = parseCli(launchArgv(c));
    const obj = openObject(o.file);
    const dr = unwrap(await openDebugRecording(debugRecordingOptions(o, obj, true)));
    return {
      port: dr.port,
      objectPath: resolve(obj.path),
      banner: dr.notes.length ? dr.notes.join('\n') : null,
      finish: () => {
        const saved = dr.finish();
        return saved.ok ? saved.value : `bpfdbg: ${saved.error.message}`;
      },
    };
  },
  async attach(c: AttachConfig): Promise<OpenedSession> {
    if (typeof c.recording !== 'string') fail('cli.no-recording', 'attach: "recording" names the .bpfrec file to replay');
    const stopAt = c.stopAt === undefined ? undefined : parseStopAt(c.stopAt);
    if (stopAt === null) fail('cli.bad-stop-at', `stopAt wants a command number N or insn:COUNT, got '${c.stopAt}'`);
    const rec = unwrap(readRecordingFile(c.recording));
    const replay = unwrap(await openReplay(rec, c.recording, { yieldBetweenChunks: true }));
    const r = unwrap(await replay.run(stopAt ? { stopAt } : {}));
    return {
      port: replay.tts,
      objectPath: resolve(rec.meta.object.path),
      banner: `replayed ${r.commands} commands of ${c.recording}: ${r.instructions} instructions, ${r.checkpointsVerified} checkpoints verified${r.stoppedAt ? `; paused before command #${r.stoppedAt.command}` : ''}`,
      finish: () => null,
    };
  },
};

export async function dapCommand(opts: CliOptions): Promise<number> {
  if (opts.port === undefined) {
    await serveDapStdio(opener);
    return 0;
  }
  const server = await serveDapPort(opener, opts.port).catch((e: NodeJS.ErrnoException) =>
    fail('cli.listen', `dap: cannot listen on 127.0.0.1:${opts.port}: ${e.code ?? e.message}`),
  );
  process.stderr.write(`bpfdbg: DAP server on 127.0.0.1:${server.port}\n`);
  await server.closed;
  return 0;
}
