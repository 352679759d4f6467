// `bpfdbg OBJ --gdb 127.0.0.1:PORT`: a TCP listener on the loopback interface for one gdb
// connection. Requests are answered in order; a Ctrl-C (0x03) that arrives while a
// `continue` runs interrupts the engine at once (the session yields between run chunks).
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { TimeTravelSession } from '../record/index.ts';
import { framePacket, PacketReader } from './packets.ts';
import { GdbStub } from './stub.ts';

export interface GdbServer {
  /** The port listened on (the one asked for, or the kernel's pick for 0). */
  port: number;
  /** Resolves when the gdb connection ends (detach, kill, or the socket closes). */
  done: Promise<void>;
}

export function serveGdb(port: TimeTravelSession, listenPort: number, log: (line: string) => void = () => {}): Promise<GdbServer> {
  return new Promise((resolveListen, rejectListen) => {
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const server = createServer({ noDelay: true }, (sock) => {
      server.close(); // one debugger at a time, as gdbserver without --multi
      serveConnection(port, sock, log).then(finish, finish);
    });
    server.once('error', rejectListen);
    server.listen(listenPort, '127.0.0.1', () => {
      resolveListen({ port: (server.address() as AddressInfo).port, done });
    });
  });
}

function serveConnection(port: TimeTravelSession, sock: Socket, log: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    sock.setEncoding('latin1');
    const reader = new PacketReader();
    let noAck = false;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      sock.end();
      resolve();
    };
    const send = (data: string): void => {
      if (!ended) sock.write(framePacket(data), 'latin1');
    };
    const stub = new GdbStub(port, {
      console: (text) => send(`O${Buffer.from(text, 'utf8').toString('hex')}`),
      end: () => setImmediate(end),
    });
    let queue = Promise.resolve();
    sock.on('data', (chunk: string) => {
      for (const m of reader.push(chunk)) {
        if (m.kind === 'interrupt') {
          port.interrupt();
          continue;
        }
        if (!noAck) sock.write(m.kind === 'packet' ? '+' : '-');
        if (m.kind !== 'packet') continue;
        const data = m.data;
        queue = queue.then(async () => {
          if (ended) return;
          if (process.env.BPFDBG_GDB_LOG) log(`<- ${data}`);
          const reply = await stub.handle(data);
          if (reply !== null) {
            if (process.env.BPFDBG_GDB_LOG) log(`-> ${reply.slice(0, 200)}`);
            send(reply);
          }
          if (data === 'QStartNoAckMode') noAck = true;
        });
      }
    });
    sock.on('close', end);
    sock.on('error', end);
  });
}
