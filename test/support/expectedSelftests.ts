// The schema of ../shared/testdata/kernel-selftests/expected.json (kernel-tailcall-selftests/v1)
// and what every engine's step runner shares: the file, the step types, the map-update
// flags, the program types the steps name, and the packet inputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProgType } from '../../src/object/types.ts';
import { testdataDir } from '../bpf/selftestObjects.ts';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST } from '../../src/bpf/uapiFlags.ts';

export const selftestDir = path.join(testdataDir, 'kernel-selftests');
export const expectedPath = path.join(selftestDir, 'expected.json');

export interface ProgName {
  prog: string;
  object: string;
}
export interface Step {
  op: string;
  object?: string;
  programs?: string[];
  prog_type?: string;
  attach_target?: { program: string; target_object: string; target_program: string; target_function: string };
  reuse_maps?: Record<string, { object: string; map: string }>;
  target?: { object: string; program: string; function: string };
  map?: string;
  key?: number;
  value?: ProgName;
  alternate_values?: ProgName[];
  flags?: string;
  expect?: unknown;
  program?: string;
  input?: string;
  repeat?: number;
  count?: number;
  steps?: Step[];
  path?: string;
  section?: string;
  offset?: number;
  size?: number;
  value_hex?: string;
}
export interface SelfTest {
  name: string;
  present_in: string[];
  objects: Record<string, string>;
  requires: string[];
  steps: Step[];
}
export interface Expected {
  inputs: Record<string, { hex: string }>;
  objects: Record<string, { path: string }>;
  tests: SelfTest[];
}

export const FLAGS: Record<string, bigint> = { BPF_ANY, BPF_NOEXIST, BPF_EXIST };
export const PROG_TYPES: Record<string, ProgType> = {
  BPF_PROG_TYPE_SCHED_CLS: 'sched_cls',
  BPF_PROG_TYPE_XDP: 'xdp',
  BPF_PROG_TYPE_TRACING: 'tracing',
  BPF_PROG_TYPE_EXT: 'ext',
};

export const hexBytes = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
export const readExpected = (): Expected => JSON.parse(fs.readFileSync(expectedPath, 'utf8')) as Expected;
/** Every step, nested `repeat` bodies included. */
export const allSteps = (ss: Step[]): Step[] => ss.flatMap((s) => [s, ...allSteps(s.steps ?? [])]);
