// Recording -> bytes -> file. Each section carries its length and sha256; an END!
// section hashes everything before it. Files are written atomically (a temp file in the
// same directory, fsync, rename) and never replace an existing file unless forced.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { dirname } from 'node:path';
import { type Result, err, ok } from '../common/diag.ts';
import { FILE_HEADER_SIZE, FORMAT_VERSION, MAGIC, SECTION, SECTION_HEADER_SIZE, type Recording } from './format.ts';
import { fileExists, ioError } from './errors.ts';

const utf8 = new TextEncoder();

export const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** JSON with bigints as decimal strings (the format never stores a raw bigint). */
export const jsonBytes = (v: unknown): Uint8Array => utf8.encode(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));

function section(tag: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SECTION_HEADER_SIZE + payload.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = tag.charCodeAt(i);
  dv.setUint32(4, 0, true);
  dv.setBigUint64(8, BigInt(payload.length), true);
  out.set(sha256(payload), 16);
  out.set(payload, SECTION_HEADER_SIZE);
  return out;
}

/** The whole file as bytes. */
export function encodeRecording(r: Recording): Uint8Array {
  const parts = [
    section(SECTION.meta, jsonBytes(r.meta)),
    section(SECTION.object, r.object),
    ...r.objectFiles.map((b) => section(SECTION.extraObject, b)),
    section(SECTION.input, jsonBytes(r.input)),
    // One event per line: a diff of two recordings reads like a transcript.
    section(SECTION.events, utf8.encode(r.events.map((e) => JSON.stringify(e)).join('\n'))),
    section(SECTION.checkpoints, jsonBytes(r.checkpoints)),
    section(SECTION.final, jsonBytes(r.final)),
  ];
  const head = new Uint8Array(FILE_HEADER_SIZE);
  head.set(MAGIC, 0);
  const dv = new DataView(head.buffer);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, parts.length + 1, true);
  const body = concat([head, ...parts]);
  return concat([body, section(SECTION.end, sha256(body))]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Writes `bytes` to `path` atomically: temp file beside it, fsync, rename. Refuses to
 * replace an existing file unless `force`.
 */
/**
 * Can a recording go to `path`? Not over anything but a regular file, even with --force (a
 * FIFO or device there would take the bytes somewhere else, or block), and not over an
 * existing file without --force.
 */
export function checkRecordingTarget(path: string, force: boolean): Result<void> {
  let st;
  try {
    st = statSync(path);
  } catch {
    return ok(undefined);
  }
  if (!st.isFile()) {
    const e = ioError(
      path,
      `is ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'not a regular file'}; a recording is written only to a regular file`,
    );
    return err(e.code, e.message, e.place);
  }
  if (!force) {
    const e = fileExists(path);
    return err(e.code, e.message, e.place);
  }
  return ok(undefined);
}

/** Our temp-file naming: `<file>.tmp-<pid>-<base36 time>`. */
const tempName = (path: string): string => `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;

/**
 * Removes temp files of our naming beside `path` whose writer is gone (a kill -9 during a
 * save leaves one): the pid in the name is not a live process. Others' files are left alone.
 */
export function cleanStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const base = basename(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(`${base}.tmp-`)) continue;
    const m = /^(\d+)-[0-9a-z]+$/.exec(n.slice(base.length + 5));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(join(dir, n));
      removed.push(n);
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
  return removed;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeFileAtomic(path: string, bytes: Uint8Array, force: boolean): Result<void> {
  const target = checkRecordingTarget(path, force);
  if (!target.ok) return target;
  cleanStaleTemps(path);
  if (!force && existsSync(path)) {
    const e = fileExists(path);
    return err(e.code, e.message, e.place);
  }
  const tmp = tempName(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (let o = 0; o < bytes.length;) o += writeSync(fd, bytes, o, bytes.length - o);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // A forced write replaces in one step (rename is atomic); without --force, a file
    // that appeared meanwhile still wins.
    if (!force && existsSync(path)) {
      unlinkSync(tmp);
      const e = fileExists(path);
      return err(e.code, e.message, e.place);
    }
    renameSync(tmp, path);
    return ok(undefined);
  } catch (e) {
    try {
      if (existsSync(tmp)) unlinkSync(tmp);
    } catch {
      /* the temp file is gone already */
    }
    const d = ioError(path, `cannot write the recording: ${(e as Error).message}`);
    return err(d.code, d.message, d.place);
  }
}

export function saveRecording(path: string, r: Recording, force: boolean): Result<void> {
  return writeFileAtomic(path, encodeRecording(r), force);
}
