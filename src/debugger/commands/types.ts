// The command language as data. Front ends send text; parseCommand turns it into one of
// these; the Session executes it. gdb's names and aliases where gdb has one.
import type { Expr } from '../expr/ast.ts';
import type { IntFormat } from '../expr/formatCValue.ts';
import type { SetupStep } from '../target/setup.ts';
import type { ScriptCommand } from './scriptCommands.ts';
import type { DataCommand } from './dataCommands.ts';
import type { LocationSpec } from './locationSpec.ts';

export type { LocationSpec } from './locationSpec.ts';

export type InfoTopic =
  | 'registers'
  | 'all-registers'
  | 'breakpoints'
  | 'frame'
  | 'pokes'
  | 'maps'
  | 'program'
  | 'line'
  | 'source'
  | 'tailcalls'
  | 'jit'
  | 'profile'
  | 'links'
  | 'objects'
  | 'symbol'
  | 'memory'
  | 'args'
  | 'locals'
  | 'display'
  | 'watchpoints';

export type Command =
  | { kind: 'run' }
  | { kind: 'start' }
  | { kind: 'set'; place: SetPlace; value: Expr; text: string }
  | { kind: 'continue'; count: number }
  | { kind: 'stepi'; count: number }
  | { kind: 'step'; count: number }
  | { kind: 'next'; count: number }
  | { kind: 'nexti'; count: number }
  | { kind: 'finish' }
  | { kind: 'until'; loc: LocationSpec | null }
  | { kind: 'break'; loc: LocationSpec | null; temporary: boolean; cond: Expr | null; condText: string | null }
  | { kind: 'delete'; ids: number[] } // empty = all
  | { kind: 'enable'; ids: number[]; enable: boolean }
  | { kind: 'condition'; id: number; cond: Expr | null; condText: string | null }
  | { kind: 'catch'; what: 'tailcall' | 'poke' }
  | { kind: 'info'; topic: InfoTopic; arg: string | null }
  | { kind: 'backtrace'; limit: number | null; full?: boolean }
  | { kind: 'frame'; index: number | null }
  | { kind: 'up'; count: number }
  | { kind: 'down'; count: number }
  | { kind: 'mapUpdate'; map: string; key: string; value: string }
  | { kind: 'mapDelete'; map: string; key: string }
  | { kind: 'mapDump'; map: string }
  | { kind: 'examine'; count: number; format: ExamineFormat; unit: 1 | 2 | 4 | 8; addr: Expr; addrText: string }
  | { kind: 'print'; expr: Expr; exprText: string; format: IntFormat }
  | { kind: 'disassemble'; loc: LocationSpec | null; mode: 'mixed' | 'bpf' | 'native' }
  /** `list LOC`, or gdb's `list FIRST,LAST` (then `last` is set). */
  | { kind: 'list'; loc: LocationSpec | null; last?: number }
  | { kind: 'help'; topic: string | null }
  | { kind: 'record'; action: 'start' | 'stop' | 'save'; file: string | null; force: boolean }
  | { kind: 'reverse'; what: 'stepi' | 'step' | 'next' | 'continue' | 'finish'; count: number }
  | { kind: 'timer'; action: 'fire' | 'list' }
  /** load / attach / detach / pin / unpin / unload: one setup step (target/setup.ts). */
  | { kind: 'setup'; step: SetupStep }
  | { kind: 'kill' }
  | { kind: 'quit' }
  | { kind: 'interrupt' }
  | ScriptCommand
  | DataCommand;

/** What `set` assigns: a register, memory of a C type's size, or a global variable. */
export type SetPlace = { kind: 'reg'; name: string } | { kind: 'mem'; size: 1 | 2 | 4 | 8; addr: Expr } | { kind: 'global'; name: string };

/** gdb's x/FMT: x hex, d decimal, u unsigned, o octal, t binary, c char, s string, i instruction. */
export type ExamineFormat = 'x' | 'd' | 'u' | 'o' | 't' | 'c' | 's' | 'i';
