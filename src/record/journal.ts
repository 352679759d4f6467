// The append-only journal of a recording session (`--record FILE`), so that a kill -9
// (no handler runs, nothing saves) loses at most the command under way. FILE.journal holds
// a header line (the writer's pid, the recording's metadata, the object's bytes and the
// input) and then one line per finished command with what the recording gained by it:
// commands, nondeterministic values and map events, checkpoints, object files read, and
// how much of it a save keeps (`record stop`). Every line goes out in one write(2) when the
// command finishes; the kernel keeps it across the process's death. A normal end (or a
// signal) saves FILE and removes the journal; the next `--record` into that directory
// turns a journal whose writer is gone into its FILE (recoverJournals).
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Result, err, ok } from '../common/diag.ts';
import type { RecordedCheckpoint, RecordedEvent, RecordedObjectRead, RecordingMeta } from './format.ts';
import { assembleRecording, type RecordingParts } from './recordingParts.ts';
import { decodeRecording } from './reader.ts';
import { RecCode } from './errors.ts';
import { alive, encodeRecording, writeFileAtomic } from './writer.ts';

export const JOURNAL_SUFFIX = '.journal';
const MAGIC = 'bpfdbg-journal';

interface Header {
  journal: typeof MAGIC;
  version: 1;
  pid: number;
  file: string;
  meta: RecordingMeta;
  object: string;
  input: RecordingParts['input'];
}

interface Delta {
  commands: Extract<RecordedEvent, { t: 'cmd' }>[];
  nondet: RecordedEvent[];
  checkpoints: RecordedCheckpoint[];
  reads: RecordedObjectRead[];
  files: string[];
  saved: number;
  keep: number;
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');

export const journalPath = (file: string): string => `${file}${JOURNAL_SUFFIX}`;

export class Journal {
  private readonly sent = { commands: 0, nondet: 0, checkpoints: 0, reads: 0, files: 0 };
  /** Set when a write failed: the journal stops (the session goes on; a save still works). */
  failure: string | undefined;

  private constructor(
    readonly path: string,
    private fd: number | null,
  ) {}

  /** Creates FILE.journal with the header and the launch's state. */
  static open(file: string, parts: RecordingParts): Result<Journal> {
    const path = journalPath(file);
    try {
      mkdirSync(dirname(path), { recursive: true });
      const fd = openSync(path, 'w', 0o644);
      const header: Header = {
        journal: MAGIC,
        version: 1,
        pid: process.pid,
        file,
        meta: { ...parts.meta, objects: [] },
        object: b64(parts.object),
        input: parts.input,
      };
      const j = new Journal(path, fd);
      j.write(JSON.stringify(header));
      j.append(parts);
      if (j.failure) return err(RecCode.io, j.failure, { file: path });
      return ok(j);
    } catch (e) {
      return err(RecCode.io, `cannot create the session journal: ${(e as Error).message}`, { file: path });
    }
  }

  /** Appends what `parts` gained since the last line (called after every command). */
  append(p: RecordingParts): void {
    if (this.fd === null) return;
    const s = this.sent;
    const d: Delta = {
      commands: p.commands.slice(s.commands),
      nondet: p.nondet.slice(s.nondet),
      checkpoints: p.checkpoints.slice(s.checkpoints),
      reads: p.meta.objects.slice(s.reads),
      files: p.objectFiles.slice(s.files).map(b64),
      saved: p.saved,
      keep: p.keepCheckpoints,
    };
    this.write(JSON.stringify(d));
    if (this.failure) return;
    s.commands = p.commands.length;
    s.nondet = p.nondet.length;
    s.checkpoints = p.checkpoints.length;
    s.reads = p.meta.objects.length;
    s.files = p.objectFiles.length;
  }

  private write(line: string): void {
    if (this.fd === null) return;
    const bytes = Buffer.from(line + '\n');
    try {
      for (let o = 0; o < bytes.length;) o += writeSync(this.fd, bytes, o, bytes.length - o);
    } catch (e) {
      this.failure = `the session journal stopped: ${(e as Error).message}`;
      this.close(false);
    }
  }

  /** Closes the journal; `remove` once the recording it backs was saved. */
  close(remove: boolean): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    if (remove) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * The recording a journal holds, up to its last complete line, the file it was for, and its
 * encoding (validated by decoding it: what a recovery writes).
 */
export function readJournal(path: string): Result<{ file: string; pid: number; rec: ReturnType<typeof assembleRecording>; bytes: Uint8Array }> {
  const bad = (why: string): Result<never> => err(RecCode.corrupt, `not a usable session journal: ${why}`, { file: path });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return err(RecCode.io, (e as Error).message, { file: path });
  }
  const lines = text.split('\n');
  // A kill -9 in the middle of a write leaves a last line without its newline: drop it.
  lines.pop();
  if (lines.length < 2) return bad('no complete entry');
  let header: Header;
  try {
    header = JSON.parse(lines[0]!) as Header;
  } catch {
    return bad('the header is not JSON');
  }
  if (header?.journal !== MAGIC || header.version !== 1 || typeof header.file !== 'string') return bad('no bpfdbg journal header');
  const parts: RecordingParts = {
    meta: { ...header.meta, objects: [] },
    object: Buffer.from(header.object, 'base64'),
    objectFiles: [],
    input: header.input,
    commands: [],
    nondet: [],
    checkpoints: [],
    saved: 0,
    keepCheckpoints: 0,
  };
  const acc = { commands: [] as Delta['commands'], nondet: [] as RecordedEvent[], checkpoints: [] as RecordedCheckpoint[], files: [] as Uint8Array[] };
  for (let i = 1; i < lines.length; i++) {
    let d: Delta;
    try {
      d = JSON.parse(lines[i]!) as Delta;
    } catch {
      return bad(`line ${i + 1} is not JSON`);
    }
    if (!Array.isArray(d?.commands) || !Array.isArray(d.nondet) || !Array.isArray(d.checkpoints) || !Array.isArray(d.reads) || !Array.isArray(d.files)) {
      return bad(`line ${i + 1} is not a journal entry`);
    }
    acc.commands.push(...d.commands);
    acc.nondet.push(...d.nondet);
    acc.checkpoints.push(...d.checkpoints);
    parts.meta.objects.push(...d.reads);
    acc.files.push(...d.files.map((f) => new Uint8Array(Buffer.from(f, 'base64'))));
    parts.saved = d.saved;
    parts.keepCheckpoints = d.keep;
  }
  const rec = assembleRecording({ ...parts, commands: acc.commands, nondet: acc.nondet, checkpoints: acc.checkpoints, objectFiles: acc.files });
  // What a replay would read: the same validation (schema, hashes) as a saved file.
  const bytes = encodeRecording(rec);
  const back = decodeRecording(bytes, path);
  if (!back.ok) return bad(back.error.message);
  return ok({ file: header.file, pid: header.pid, rec: back.value, bytes });
}

/**
 * Turns every journal in `dir` whose writer is gone into its recording (beside it under
 * another name if that file exists meanwhile), then removes it. Returns a line per journal
 * for the user; a journal that cannot be used is left in place and named.
 */
export function recoverJournals(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    if (!n.endsWith(JOURNAL_SUFFIX)) continue;
    const path = join(dir, n);
    const j = readJournal(path);
    if (!j.ok) {
      out.push(`${path}: ${j.error.message}; left in place`);
      continue;
    }
    if (j.value.pid === process.pid || alive(j.value.pid)) continue; // a live session's
    let target = path.slice(0, -JOURNAL_SUFFIX.length);
    for (let k = 1; existsSync(target); k++) target = join(dir, `${basename(path, `.bpfrec${JOURNAL_SUFFIX}`)}-recovered${k > 1 ? `-${k}` : ''}.bpfrec`);
    const saved = writeFileAtomic(target, j.value.bytes, false);
    if (!saved.ok) {
      out.push(`${path}: cannot recover: ${saved.error.message}`);
      continue;
    }
    try {
      unlinkSync(path);
    } catch {
      /* removed meanwhile */
    }
    out.push(`recovered an interrupted recording (${j.value.rec.final.commands} commands, ${j.value.rec.final.at} instructions) to ${target}`);
  }
  return out;
}
