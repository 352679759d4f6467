// `bpfdbg OBJ --gdb [127.0.0.1:]PORT`: the session stops before the program's first
// instruction and waits for one gdb (`target remote :PORT`); it ends when gdb detaches,
// kills or disconnects (--record then saves it, like any session).
import { fail } from '../../common/diag.ts';
import type { TimeTravelSession } from '../../record/index.ts';
import { serveGdb } from '../../gdbstub/index.ts';

export async function serveGdbCommand(port: TimeTravelSession, listenPort: number): Promise<void> {
  await port.execute('start');
  const server = await serveGdb(port, listenPort, (l) => void process.stderr.write(`gdb: ${l}\n`)).catch((e: NodeJS.ErrnoException) =>
    fail('cli.listen', `--gdb: cannot listen on 127.0.0.1:${listenPort}: ${e.code ?? e.message}`),
  );
  process.stderr.write(`bpfdbg: waiting for gdb on 127.0.0.1:${server.port} (target remote :${server.port})\n`);
  await server.done;
}
