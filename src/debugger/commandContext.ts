// What a command handler (executeCommand.ts, inspectCommands.ts, scriptRunner.ts, ...) may
// see and do: the parts of the session it reads, and methods for every change it makes
// (print, run state, stop reason, selected frame). Session implements it; handlers import
// this file, never session.ts, so session.ts -> handlers is the only direction (no import
// cycle) and the session's own fields change only through the session.
import type { PokeEvent } from '../kernel/pokes/pokeStateMachine.ts';
import type { CommandExecutor } from './batch.ts';
import type { BreakpointTable } from './breakpoints.ts';
import type { CodeWindows } from './codeWindows.ts';
import type { DisplayList } from './displays.ts';
import type { ExprEnv } from './expr/evalExpr.ts';
import type { RunControl } from './runControl.ts';
import type { ScriptState } from './scriptState.ts';
import type { DebugTarget, RunInput } from './target/debugTarget.ts';
import type { SessionObject } from './target/objects.ts';
import type { RawFrame } from './unwind.ts';
import type { DebugArch } from './arch/debugArch.ts';
import type { FrameSlots, RunState, DebugStop, View } from './view.ts';

export interface CommandContext {
  readonly target: DebugTarget;
  /** Registers, frames and counter of the target's CPU. */
  readonly arch: DebugArch;
  readonly bps: BreakpointTable;
  /** `display` expressions, shown after every stop. */
  readonly displays: DisplayList;
  readonly rc: RunControl;
  readonly code: CodeWindows;
  /** The program input of `run` (--data, --ctx). */
  readonly input: RunInput;
  /** source, breakpoint commands, echo/printf text (scriptRunner.ts). */
  readonly script: ScriptState;
  /** Where scripts send their command lines (the session, or the recording session around it). */
  readonly executor: CommandExecutor;
  readonly runState: RunState;
  readonly stop: DebugStop | null;
  readonly selectedFrame: number;
  /** Asks the user a yes/no question; null in batch mode (no one to ask). */
  readonly confirm: ((question: string) => Promise<boolean>) | null;
  /** Poke transitions since the command began. */
  readonly pokeEvents: readonly PokeEvent[];

  /** Appends a line to the command's output. */
  print(text: string, kind?: 'out' | 'info'): void;
  setRunState(state: RunState): void;
  /** Why the program is stopped (null: it is not). */
  setStop(stop: DebugStop | null): void;
  /** The frame `frame`, `up`, `down`, `info frame` and expressions refer to (0 = innermost). */
  selectFrame(level: number): void;
  /** Asks a running program to stop at the next chunk boundary. */
  interrupt(): void;
  /** The View of the last command. */
  view(): View;
  /** Builds a fresh View of the current state. */
  rebuildView(): View;
  /** Prints every display as gdb does after a stop. */
  showDisplays(): void;
  /** Called between run chunks (interactive front ends get the event loop back). */
  yieldFn(label?: string): () => Promise<void>;
  /** The unwound call stack (empty unless stopped). */
  frames(): RawFrame[];
  /** The debuggee changed (pc set, objects loaded): frames are unwound again when asked. */
  invalidateFrames(): void;
  /** The object names resolve in first: the selected frame's, else the main one. */
  scopeObject(): SessionObject | null;
  /** Registers, symbols and memory for expressions. */
  exprEnv(): ExprEnv;
  /** The stack slots and saved registers of frame `level`, or null where there is no BPF frame layout. */
  frameSlotsAt(level: number, prev?: FrameSlots | null): FrameSlots | null;
}
