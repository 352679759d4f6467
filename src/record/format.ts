// The session recording (.bpfrec) as data: container layout, section tags, and the
// JSON shapes inside the sections. docs/session-format.md describes the same thing for
// people; keep both in step. A recording holds inputs, not states (ARCHITECTURE.md):
// the bytes of every object file the session read, the launch options and setup steps,
// the input data, every command with the instruction count it ran at, every
// nondeterministic value a helper returned, and state hashes at checkpoints so a replay
// that drifts is caught where it drifts.
import type { SetupStep } from '../debugger/target/setup.ts';
import type { Arch } from '../jit/types.ts';

/** File magic. The CR LF catches text-mode mangling, the NUL a `cat` into a terminal. */
export const MAGIC = Uint8Array.from([0x42, 0x50, 0x46, 0x52, 0x45, 0x43, 0x0d, 0x0a]); // "BPFREC\r\n"
/**
 * Bump on any change an older reader would misread. 2: more objects than the main one
 * (OBJX sections, META objects), setup steps (options.setup). Version 1 files still read.
 */
export const FORMAT_VERSION = 2;
/** magic (8) + u32 version + u32 section count. */
export const FILE_HEADER_SIZE = 16;
/** tag (4) + u32 flags + u64 length + sha256 (32). */
export const SECTION_HEADER_SIZE = 48;

/**
 * Identifies the engine a recording was made with, one per arch (x86-64's id is the one
 * every earlier recording carries). Replay under another engine id is allowed, but a
 * checkpoint mismatch is then reported as "engine changed", not corruption.
 */
export const ENGINE_IDS = {
  x86_64: 'bpfdbg-0.1.0/x86_64-unicorn2',
  riscv64: 'bpfdbg-0.1.0/riscv64-unicorn2',
} as const satisfies Record<Arch, string>;

export const engineIdOf = (arch: Arch): string => ENGINE_IDS[arch];

/** Section tags, in file order. META comes first so a reader can refuse early. */
export const SECTION = {
  meta: 'META',
  object: 'OBJ ',
  /** Version 2: one per distinct further object file (load / attach), in first-read order. */
  extraObject: 'OBJX',
  input: 'INPT',
  events: 'EVNT',
  checkpoints: 'CKPT',
  final: 'FINL',
  /** Last: sha256 of every byte before this section's header (whole-file integrity). */
  end: 'END!',
} as const;

export type SectionTag = (typeof SECTION)[keyof typeof SECTION];

export interface RecordingOptions {
  prog: string | null;
  /** The CPU the session ran on; it fixes the registers a state hash covers (archState.ts). */
  arch: Arch;
  /** JIT profile name of that arch (`bpfdbg dump --profiles`). */
  profile: string;
  /** `--map-update` swaps applied at launch. */
  mapUpdates: { map: string; key: number; prog: string }[];
  /**
   * Version 2: launch setup after the main object and mapUpdates, in order (`--load`,
   * `--attach`, `--pin`, `--map-update` ...); object files by path, served from OBJX.
   * A version-1 file reads as [].
   */
  setup: SetupStep[];
  /** Virtual clock start (ns, decimal string) and the CPU programs run on. */
  clockStart: string;
  cpu: number;
}

export interface RecordingMeta {
  format: 'bpfrec';
  version: number;
  engine: string;
  /** ISO time the recording started (informational; never used by a replay). */
  createdAt: string;
  object: { name: string; path: string; size: number; sha256: string };
  /**
   * Version 2: every read of a further object file (setup steps, then `load` / `attach`
   * commands), in order; a replay serves read k from here. A read that failed keeps its
   * error (the replay fails it the same way). A version-1 file reads as [].
   */
  objects: RecordedObjectRead[];
  options: RecordingOptions;
  /** Periodic checkpoint spacing in instructions. */
  checkpointInterval: number;
}

export type RecordedObjectRead = { path: string; size: number; sha256: string } | { path: string; error: string };

export interface RecordingInput {
  /** Hex of BPF_PROG_TEST_RUN data_in, or null. */
  data: string | null;
  ctx: string | null;
}

/**
 * One event. `at` is the instruction count when it happened: the machine instructions
 * executed since launch (a helper call, callbacks included, counts as its one `ret`).
 */
export type RecordedEvent =
  /** A debugger command line, with the count before it ran and the state hash after. */
  | { t: 'cmd'; n: number; at: number; text: string; ok: boolean; after: number; hash: string }
  /** A helper's nondeterministic value, in the order the program observed them. */
  | { t: 'nondet'; at: number; kind: 'ktime' | 'prandom' | 'cpu'; value: string }
  /** A map changed from user space (a `map update/delete` command or a launch option). */
  | { t: 'map'; at: number; op: 'update' | 'delete'; map: string; key: string; value: string | null };

export interface RecordedCheckpoint {
  /** Ordinal in the recording, 0-based. */
  n: number;
  at: number;
  /** 'launch' | 'periodic' | 'command' | 'final'. */
  cause: string;
  /** sha256 (hex) of CPU registers, guest memory and kernel-model state. */
  hash: string;
}

export interface RecordingFinal {
  at: number;
  hash: string;
  commands: number;
}

/** A recording in memory: what the writer takes and the reader returns. */
export interface Recording {
  meta: RecordingMeta;
  object: Uint8Array;
  /** The distinct files meta.objects reads, in first-read order (OBJX sections). */
  objectFiles: Uint8Array[];
  input: RecordingInput;
  events: RecordedEvent[];
  checkpoints: RecordedCheckpoint[];
  final: RecordingFinal;
}

export const commandsOf = (r: Recording): Extract<RecordedEvent, { t: 'cmd' }>[] =>
  r.events.filter((e): e is Extract<RecordedEvent, { t: 'cmd' }> => e.t === 'cmd');
