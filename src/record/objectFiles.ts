// Object files a session reads after its main object (setup steps, `load` and `attach`
// commands), recorded and replayed. Recording logs every read in order — its path and
// sha256, or the error it met — and keeps each distinct file once; a replay serves read k
// from that log without touching the file system, so a recording replays anywhere. A read
// of another path than the recording made at that point is a divergence.
import { type Result, err, ok } from '../common/diag.ts';
import { fileSource, type ObjectSource } from '../debugger/target/objects.ts';
import type { RecordedObjectRead } from './format.ts';
import { RecCode } from './errors.ts';
import { sha256Hex } from './writer.ts';

/** Reads from the file system and remembers what it read. */
export class RecordingObjectSource implements ObjectSource {
  readonly reads: RecordedObjectRead[] = [];
  /** Distinct files, first-read order. */
  readonly files: Uint8Array[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly inner: ObjectSource = fileSource) {}

  read(path: string): Result<Uint8Array> {
    const r = this.inner.read(path);
    if (!r.ok) {
      this.reads.push({ path, error: r.error.message });
      return r;
    }
    const sha256 = sha256Hex(r.value);
    this.reads.push({ path, size: r.value.length, sha256 });
    if (!this.seen.has(sha256)) {
      this.seen.add(sha256);
      this.files.push(r.value);
    }
    return r;
  }
}

/** Serves a recording's reads in order. */
export class ReplayObjectSource implements ObjectSource {
  private next = 0;
  private readonly byHash = new Map<string, Uint8Array>();

  constructor(
    private readonly reads: readonly RecordedObjectRead[],
    files: readonly Uint8Array[],
    private readonly file: string,
  ) {
    for (const f of files) this.byHash.set(sha256Hex(f), f);
  }

  read(path: string): Result<Uint8Array> {
    const k = this.next;
    const want = this.reads[k];
    if (!want)
      return err(RecCode.diverged, `replay diverged: it reads object file ${path}, the recording read no more files (${k} reads)`, { file: this.file });
    if (want.path !== path) return err(RecCode.diverged, `replay diverged: object read #${k} is ${path}, the recording read ${want.path}`, { file: this.file });
    this.next++;
    if ('error' in want) return err('debug.no-such-file', want.error, { file: path });
    return ok(this.byHash.get(want.sha256)!);
  }
}
