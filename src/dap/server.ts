// Where `bpfdbg dap` talks: stdin/stdout (what VS Code spawns), or a TCP port on the
// loopback interface (`--port N`, one session per connection, for clients that connect).
import { createServer, type AddressInfo } from 'node:net';
import { BpfdbgDebugSession } from './adapter.ts';
import type { Opener } from './config.ts';

/** Serves one session over stdio; resolves when the client goes away. */
export function serveDapStdio(opener: Opener): Promise<void> {
  const session = new BpfdbgDebugSession(opener);
  session.start(process.stdin, process.stdout);
  return new Promise((resolve) => process.stdin.on('close', resolve));
}

/** Listens on 127.0.0.1:port; resolves with the port once listening, `closed` when the server ends. */
export function serveDapPort(opener: Opener, port: number): Promise<{ port: number; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let done!: () => void;
    const closed = new Promise<void>((r) => (done = r));
    const server = createServer((sock) => {
      const session = new BpfdbgDebugSession(opener);
      session.setRunAsServer(true);
      session.start(sock, sock);
    });
    server.once('error', reject);
    server.on('close', done);
    server.listen(port, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, closed }));
  });
}
