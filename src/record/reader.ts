// bytes -> Recording, checking everything before trusting anything: magic, version,
// every section's length against the bytes left, every section's sha256, the whole-file
// END! hash, then the JSON shapes. The first problem found is returned with its place.
import { existsSync } from 'node:fs';
import { INPUT_LIMITS, readBoundedFile } from '../common/boundedRead.ts';
import { type Diag, type Result, err, ok } from '../common/diag.ts';
import {
  FILE_HEADER_SIZE,
  FORMAT_VERSION,
  MAGIC,
  SECTION,
  SECTION_HEADER_SIZE,
  type Recording,
  type RecordedEvent,
  type RecordingFinal,
  type RecordingInput,
  type RecordingMeta,
  type RecordedCheckpoint,
} from './format.ts';
import { badSection, checksumMismatch, ioError, newerVersion, notARecording, objectMismatch, truncated } from './errors.ts';
import { sha256, sha256Hex } from './writer.ts';
import { checkpointsSchema, eventSchema, finalSchema, inputSchema, metaSchema, type Schema } from './schema.ts';
import { bytesEqual } from '../common/bytes.ts';

const fromDiag = <T>(e: Diag): Result<T> => err(e.code, e.message, e.place);
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface RawSection {
  tag: string;
  off: number;
  payload: Uint8Array;
}

export function readRecordingFile(path: string): Result<Recording> {
  if (!existsSync(path)) return fromDiag(ioError(path, 'no such file'));
  const bytes = readBoundedFile(path, INPUT_LIMITS.recording, 'a recording');
  if (!bytes.ok) return fromDiag(ioError(path, bytes.error.message));
  return decodeRecording(bytes.value, path);
}

export function decodeRecording(bytes: Uint8Array, file = '<recording>'): Result<Recording> {
  if (bytes.length < MAGIC.length || !bytesEqual(bytes.subarray(0, MAGIC.length), MAGIC)) return fromDiag(notARecording(file));
  if (bytes.length < FILE_HEADER_SIZE) return fromDiag(truncated(file, 'header', 0, FILE_HEADER_SIZE, bytes.length));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version > FORMAT_VERSION) return fromDiag(newerVersion(file, version, FORMAT_VERSION));
  if (version === 0) return fromDiag(badSection(file, 'header', 8, 'version 0 is not a valid format version'));
  const count = dv.getUint32(12, true);
  const sections: RawSection[] = [];
  let off = FILE_HEADER_SIZE;
  for (let k = 0; k < count; k++) {
    if (bytes.length - off < SECTION_HEADER_SIZE) return fromDiag(truncated(file, `#${k}`, off, SECTION_HEADER_SIZE, bytes.length - off));
    const tag = String.fromCharCode(...bytes.subarray(off, off + 4));
    const len = dv.getBigUint64(off + 8, true);
    const start = off + SECTION_HEADER_SIZE;
    if (len > BigInt(bytes.length - start)) return fromDiag(truncated(file, tag, start, Number(len), bytes.length - start));
    const payload = bytes.subarray(start, start + Number(len));
    if (!bytesEqual(sha256(payload), bytes.subarray(off + 16, off + 48))) return fromDiag(checksumMismatch(file, tag, off));
    if (tag === SECTION.end) {
      if (!bytesEqual(payload, sha256(bytes.subarray(0, off)))) return fromDiag(checksumMismatch(file, 'file header', 0));
      if (start + payload.length !== bytes.length)
        return fromDiag(badSection(file, tag, start + payload.length, `${bytes.length - start - payload.length} stray bytes after the end`));
    }
    sections.push({ tag, off, payload });
    off = start + payload.length;
  }
  if (sections.at(-1)?.tag !== SECTION.end) return fromDiag(truncated(file, 'END!', off, SECTION_HEADER_SIZE, bytes.length - off));
  const get = (tag: string): RawSection | Diag => sections.find((s) => s.tag === tag) ?? badSection(file, tag, off, 'section is missing');
  const json = <T>(tag: string): Result<T> => {
    const s = get(tag);
    if ('code' in s) return fromDiag(s);
    try {
      return ok(JSON.parse(utf8.decode(s.payload)) as T);
    } catch (e) {
      return fromDiag(badSection(file, tag, s.off, `not valid JSON (${(e as Error).message})`));
    }
  };

  /** A JSON section checked against its schema: one line naming the section and field. */
  const checked = <T>(tag: string, schema: Schema, fix?: (v: unknown) => void): Result<T> => {
    const v = json<unknown>(tag);
    if (!v.ok) return v;
    fix?.(v.value);
    const why = schema(v.value, '');
    const s = sections.find((x) => x.tag === tag)!;
    return why ? fromDiag(badSection(file, tag, s.off, why)) : ok(v.value as T);
  };

  // Version 1 knew one object and no setup steps.
  const upgrade = (v: unknown): void => {
    if (version >= 2 || typeof v !== 'object' || v === null) return;
    const m = v as { objects?: unknown; options?: { setup?: unknown } };
    m.objects = [];
    if (typeof m.options === 'object' && m.options !== null) m.options.setup = [];
  };
  const meta = checked<RecordingMeta>(SECTION.meta, metaSchema, upgrade);
  if (!meta.ok) return meta;
  if (meta.value.version !== version) return fromDiag(badSection(file, SECTION.meta, FILE_HEADER_SIZE, 'format/version fields disagree with the file header'));
  const obj = get(SECTION.object);
  if ('code' in obj) return fromDiag(obj);
  const objHash = sha256Hex(obj.payload);
  if (objHash !== meta.value.object.sha256) return fromDiag(objectMismatch(file, meta.value.object.sha256, objHash));
  const files = sections.filter((s) => s.tag === SECTION.extraObject);
  const byHash = new Map(files.map((s) => [sha256Hex(s.payload), s] as const));
  for (const [k, o] of meta.value.objects.entries()) {
    if ('sha256' in o && !byHash.has(o.sha256))
      return fromDiag(badSection(file, SECTION.extraObject, off, `no section holds object read #${k} (${o.path}, sha256 ${String(o.sha256).slice(0, 16)}…)`));
  }
  const used = new Set(meta.value.objects.flatMap((o) => ('sha256' in o ? [o.sha256] : [])));
  const stray = files.find((s) => !used.has(sha256Hex(s.payload)));
  if (stray) return fromDiag(badSection(file, SECTION.extraObject, stray.off, 'an object file no read in META uses'));
  const input = checked<RecordingInput>(SECTION.input, inputSchema);
  if (!input.ok) return input;
  const ev = get(SECTION.events);
  if ('code' in ev) return fromDiag(ev);
  let events: RecordedEvent[];
  try {
    const text = utf8.decode(ev.payload);
    events = text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as RecordedEvent);
  } catch (e) {
    return fromDiag(badSection(file, SECTION.events, ev.off, `bad event line (${(e as Error).message})`));
  }
  for (let k = 0; k < events.length; k++) {
    const why = eventSchema(events[k], `line ${k + 1}`);
    if (why) return fromDiag(badSection(file, SECTION.events, ev.off, why));
  }
  const checkpoints = checked<RecordedCheckpoint[]>(SECTION.checkpoints, checkpointsSchema);
  if (!checkpoints.ok) return checkpoints;
  const final = checked<RecordingFinal>(SECTION.final, finalSchema);
  if (!final.ok) return final;
  return ok({
    meta: meta.value,
    object: obj.payload.slice(),
    objectFiles: files.map((f) => f.payload.slice()),
    input: input.value,
    events,
    checkpoints: checkpoints.value,
    final: final.value,
  });
}
