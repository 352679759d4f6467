// Named Diag factories for recordings. Every message says where: the file, the section
// and its byte offset, or the checkpoint / command at which a replay drifted.
import type { Diag } from '../common/diag.ts';
import { fileOff } from '../common/ids.ts';

const d = (code: string, message: string, file?: string, section?: string, off?: number): Diag => ({
  code,
  message,
  place: { ...(file !== undefined ? { file } : {}), ...(section !== undefined ? { section } : {}), ...(off !== undefined ? { fileOff: fileOff(off) } : {}) },
});

export const RecCode = {
  notRecording: 'record.not-a-recording',
  truncated: 'record.truncated',
  corrupt: 'record.corrupt',
  newerVersion: 'record.newer-version',
  badSection: 'record.bad-section',
  exists: 'record.file-exists',
  io: 'record.io',
  objectMismatch: 'record.object-mismatch',
  diverged: 'record.diverged',
  engineChanged: 'record.engine-changed',
  notActive: 'record.not-active',
  noHistory: 'record.no-history',
  unsupported: 'record.unsupported',
} as const;

export const notARecording = (file: string): Diag => d(RecCode.notRecording, 'not a bpfdbg recording (bad magic)', file, undefined, 0);

export const truncated = (file: string, section: string, off: number, need: number, have: number): Diag =>
  d(RecCode.truncated, `file is truncated: section ${section} needs ${need} bytes at offset 0x${off.toString(16)}, only ${have} remain`, file, section, off);

export const checksumMismatch = (file: string, section: string, off: number): Diag =>
  d(RecCode.corrupt, `section ${section.trim()} is corrupt: its sha256 does not match its bytes`, file, section, off);

export const newerVersion = (file: string, version: number, supported: number): Diag =>
  d(RecCode.newerVersion, `recording format version ${version} is newer than this bpfdbg reads (${supported}); upgrade bpfdbg`, file, undefined, 8);

export const badSection = (file: string, section: string, off: number, why: string): Diag =>
  d(RecCode.badSection, `section ${section.trim()}: ${why}`, file, section, off);

export const fileExists = (file: string): Diag => d(RecCode.exists, `${file} exists; add --force to overwrite it`, file);

export const ioError = (file: string, why: string): Diag => d(RecCode.io, why, file);

export const objectMismatch = (file: string, want: string, got: string): Diag =>
  d(RecCode.objectMismatch, `embedded object sha256 ${got.slice(0, 16)}… differs from the recorded ${want.slice(0, 16)}…`, file, 'OBJ ');

export const diverged = (file: string, where: string, want: string, got: string): Diag =>
  d(RecCode.diverged, `replay diverged from the recording at ${where}: state hash ${got.slice(0, 16)}…, recorded ${want.slice(0, 16)}…`, file);

export const engineChanged = (file: string, where: string, recorded: string, running: string): Diag =>
  d(RecCode.engineChanged, `replay diverged at ${where}; the recording was made by engine ${recorded}, this is ${running}`, file);

export const notActive = (what: string): Diag => d(RecCode.notActive, what);

export const noHistory = (what: string): Diag => d(RecCode.noHistory, what);

export const unsupported = (what: string): Diag => d(RecCode.unsupported, what);
