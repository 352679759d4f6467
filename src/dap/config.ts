// The launch and attach configurations a DAP client sends (editors/vscode/package.json
// documents the same fields for VS Code), and what the adapter needs to open a session
// from them. Opening is injected by the CLI (cli/commands/dap.ts), which turns a
// configuration into the command-line options every other front end starts from.
import type { TimeTravelSession } from '../record/index.ts';

/** `launch`: a debugger session on an object, as `bpfdbg OBJ [options]` starts one. */
export interface LaunchConfig {
  /** The BPF object (clang -target bpf -g). */
  program: string;
  /** Entry program (function name); default: the object's entry program. */
  prog?: string;
  arch?: 'x86_64' | 'riscv64';
  /** JIT profile (`bpfdbg dump --profiles`). */
  profile?: string;
  /** Packet bytes from a file (BPF_PROG_TEST_RUN data_in) ... */
  data?: string;
  /** ... or as hex. */
  dataHex?: string;
  /** Raw ctx bytes (tracing, syscall programs). */
  ctx?: string;
  /** prog_array updates before the run: 'MAP:KEY=PROG'. */
  mapUpdates?: string[];
  /** Record the session: true for sessions/<object>-<time>.bpfrec, or a file. */
  record?: boolean | string;
  /** Stop before the first instruction instead of running to a breakpoint. */
  stopOnEntry?: boolean;
  /** Further command-line options, as `bpfdbg OBJ` takes them (--load, --attach, --pin ...). */
  args?: string[];
}

/** `attach`: a recorded session, replayed (`bpfdbg replay FILE`), then debugged from its end or stop point. */
export interface AttachConfig {
  recording: string;
  /** `--stop-at N | insn:COUNT`. */
  stopAt?: string;
}

export interface OpenedSession {
  port: TimeTravelSession;
  /** The object file the session debugs (its directory is searched for sources). */
  objectPath: string;
  /** A line to show the user when the session opens (a replay's summary), or null. */
  banner: string | null;
  /** Ends the session: saves a recording when asked; returns a line for the user, or null. */
  finish(): string | null;
}

/** Opens sessions; throws a BpfdbgError (one line for the user) on bad configurations. */
export interface Opener {
  launch(c: LaunchConfig): Promise<OpenedSession>;
  attach(c: AttachConfig): Promise<OpenedSession>;
}
