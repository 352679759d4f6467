// bpfdbg entry point: parse, dispatch, and turn user mistakes into one-line errors.
import { BpfdbgError, formatDiag } from '../common/diag.ts';
import { parseCli } from './options.ts';
import { USAGE } from './usage.ts';

export async function main(argv: string[]): Promise<number> {
  try {
    const opts = parseCli(argv);
    switch (opts.command) {
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case 'list':
        return await (await import('./commands/list.ts')).listCommand(opts);
      case 'dump':
        return await (await import('./commands/dump.ts')).dumpCommand(opts);
      case 'run':
        return await (await import('./commands/run.ts')).runCommand(opts);
      case 'dap':
        return await (await import('./commands/dap.ts')).dapCommand(opts);
      case 'replay':
        return await (await import('./commands/replay.ts')).replayCommand(opts);
      case 'debug':
        if (!opts.file) {
          process.stderr.write(USAGE);
          return 2;
        }
        return await (await import('./commands/debug.ts')).debugCommand(opts);
    }
  } catch (e) {
    if (e instanceof BpfdbgError) {
      process.stderr.write(`bpfdbg: ${formatDiag(e.diag)}\n`);
      return e.diag.code.startsWith('cli.') ? 2 : 1;
    }
    // An invariant broke: that is our bug, not the user's. Say so in one line, and
    // show the stack only when asked.
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`bpfdbg: internal error: ${msg} (set BPFDBG_DEBUG=1 for details)\n`);
    if (process.env.BPFDBG_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 70;
  }
}
