// Reading a user-named input file without trusting it: only regular files (a FIFO, a
// device such as /dev/zero or a directory is refused before a byte is read: a read would
// block forever or never end), and never more than a limit per kind of input, so a huge
// or endless file gives a one-line error instead of exhausting memory.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { type Result, err, ok } from './diag.ts';

const MiB = 1024 * 1024;

/** Caps per kind of input (bytes). */
export const INPUT_LIMITS = {
  /** A BPF ELF object (the largest kernel selftest objects are a few MiB). */
  object: 256 * MiB,
  /** A session recording (holds its object files). */
  recording: 1024 * MiB,
  /** BPF_PROG_TEST_RUN data_in / ctx_in (the kernel caps data_size_in far lower per type). */
  testInput: 16 * MiB,
  /** A command script. */
  script: 16 * MiB,
} as const;

export const InputCode = {
  noSuchFile: 'input.no-such-file',
  notRegular: 'input.not-a-regular-file',
  tooLarge: 'input.too-large',
  readFailed: 'input.read-failed',
} as const;

const size = (n: number): string => (n >= MiB ? `${(n / MiB).toFixed(n % MiB ? 1 : 0)} MiB` : `${n} bytes`);

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The bytes of regular file `path`, at most `limit` of them; `what` names the input in errors. */
export function readBoundedFile(path: string, limit: number, what: string): Result<Uint8Array> {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return err(InputCode.noSuchFile, `no such file (${what})`, { file: path });
    if (code === 'EISDIR') return err(InputCode.notRegular, `is a directory, not ${what}`, { file: path });
    return err(InputCode.readFailed, `cannot read ${what}: ${code ?? String(e)}`, { file: path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return err(InputCode.notRegular, `is ${kindOf(st)}, not a regular file (${what})`, { file: path });
    if (st.size > limit) return err(InputCode.tooLarge, `is ${size(st.size)}; ${what} may be at most ${size(limit)}`, { file: path });
    // The file may grow while it is read (or report size 0, as /proc files do — those are
    // not regular input here): read at most one byte more than stat said and refuse then.
    const buf = new Uint8Array(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) {
        const why = n > limit ? `grew past ${size(limit)} while being read; ${what} may be at most ${size(limit)}` : `grew while being read (${what})`;
        return err(n > limit ? InputCode.tooLarge : InputCode.readFailed, why, { file: path });
      }
    }
    return ok(buf.slice(0, n));
  } catch (e) {
    return err(InputCode.readFailed, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  } finally {
    closeSync(fd);
  }
}
