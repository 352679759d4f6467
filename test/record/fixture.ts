// Shared helpers for record/ tests: record a scripted session on an object, replay it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeRecording,
  encodeRecording,
  openRecordingSession,
  openReplay,
  recordingOptions,
  type Recorder,
  type Recording,
  type ReplayReport,
} from '../../src/record/index.ts';
import type { Result } from '../../src/common/diag.ts';
import type { RunInput } from '../../src/debugger/target/debugTarget.ts';
import type { SetupStep } from '../../src/debugger/target/setup.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testdataDir = path.resolve(repoRoot, '../shared/testdata');

export interface Scripted {
  rec: Recorder;
  outputs: string[];
}

export async function recordScript(
  objPath: string,
  cmds: readonly string[],
  o: {
    prog?: string;
    arch?: 'x86_64' | 'riscv64';
    profile?: string;
    input?: RunInput;
    interval?: number;
    mapUpdates?: { map: string; key: number; prog: string }[];
    setup?: SetupStep[];
    /** Answer yes to the engine's questions (a user in the UI saying y: discard the recorded future). */
    yes?: boolean;
  } = {},
): Promise<Scripted> {
  const r = await openRecordingSession({
    objectPath: objPath,
    objectBytes: new Uint8Array(readFileSync(objPath)),
    options: recordingOptions({ prog: o.prog, arch: o.arch, profile: o.profile, mapUpdates: o.mapUpdates, setup: o.setup }),
    input: o.input ?? {},
    active: true,
    interval: o.interval ?? 64,
  });
  if (!r.ok) throw new Error(`${objPath}: ${r.error.message}`);
  const outputs: string[] = [];
  if (o.yes) r.value.tts.setConfirm(async () => true);
  for (const c of cmds) {
    const res = await r.value.tts.execute(c);
    outputs.push(`${c} -> ${res.ok ? 'ok' : res.error?.message}`);
  }
  return { rec: r.value, outputs };
}

/** A session that exercises each example: breakpoints, runs, a live prog_array swap, reverse steps. */
const EXAMPLE_SCRIPTS: Record<string, string[]> = {
  'tailchain.o': [
    'break stage_count',
    'run',
    'map update chain 2 stage_count',
    'continue',
    'continue',
    'reverse-continue',
    'reverse-stepi 7',
    'stepi 3',
    'info registers',
    'map update chain 2 stage_verdict',
    'continue 3',
  ],
  'selfloop.o': ['catch tailcall', 'run', 'continue 5', 'reverse-stepi 20', 'delete', 'continue'],
};
const DEFAULT_SCRIPT = ['start', 'stepi 5', 'next', 'reverse-stepi 2', 'continue', 'run'];

export const exampleScript = (file: string): string[] => EXAMPLE_SCRIPTS[file] ?? DEFAULT_SCRIPT;

/** Recording -> bytes -> Recording (through the file format). */
export function roundTrip(rec: Recording): Recording {
  const back = decodeRecording(encodeRecording(rec), 'test.bpfrec');
  if (!back.ok) throw new Error(back.error.message);
  return back.value;
}

export async function replay(rec: Recording, file = 'test.bpfrec'): Promise<Result<ReplayReport>> {
  const rp = await openReplay(rec, file);
  if (!rp.ok) return rp;
  try {
    return await rp.value.run();
  } finally {
    rp.value.tts.session.dispose();
  }
}
