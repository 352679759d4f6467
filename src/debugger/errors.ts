// Named factories for the debugger's user errors (stable codes).
import type { Diag } from '../common/diag.ts';
import { errnoName } from '../kernel/errors.ts';

const d = (code: string, message: string): Diag => ({ code, message, place: {} });

export const errors = {
  notRunning: (): Diag => d('debug.not-running', 'The program is not being run. Use "run" or "start".'),
  noFrame: (): Diag => d('debug.no-frame', 'no frame selected'),
  stepLimit: (): Diag => d('debug.step-limit', 'step: no BPF instruction reached within the step limit'),
  unavailable: (what: string): Diag => d('debug.unavailable', `${what}: not available in this session (no recording)`),
  noSuchProgram: (name: string): Diag => d('debug.no-such-prog', `no program '${name}'`),
  insnOutOfRange: (prog: string, insn: number, n: number): Diag => d('debug.bad-insn', `${prog} has no instruction ${insn} (it has ${n})`),
  noCodeForInsn: (prog: string, insn: number): Diag => d('debug.no-code', `${prog}:${insn} has no native code (second half of ld_imm64?)`),
  noSuchLine: (file: string, line: number): Diag => d('debug.no-line', `no code at ${file}:${line}`),
  notInProgram: (addr: bigint): Diag => d('debug.bad-address', `0x${addr.toString(16)} is not inside a JITed program`),
  noSuchBreakpoint: (id: number): Diag => d('debug.no-breakpoint', `no breakpoint number ${id}`),
  noSuchMap: (name: string): Diag => d('debug.no-such-map', `no map '${name}'`),
  badValue: (what: string, text: string): Diag => d('debug.bad-value', `${what}: cannot parse '${text}'`),
  mapOp: (op: string, map: string, rc: number): Diag => d('debug.map-op', `map ${op} ${map} failed (${errnoName(rc)}, error ${-rc})`),
  noFrameN: (n: number): Diag => d('debug.no-frame', `no frame ${n}`),
  bottomFrame: (): Diag => d('debug.no-frame', 'Bottom (innermost) frame selected; you cannot go down.'),
  topFrame: (): Diag => d('debug.no-frame', 'Initial frame selected; you cannot go up.'),
  invalidRegister: (name: string): Diag => d('debug.no-register', `Invalid register \`${name}'`),
  unknownHelp: (w: string): Diag => d('debug.help', `no command '${w}'`),
  noSource: (): Diag => d('debug.no-source', 'no source line information here'),
  cannotWrite: (addr: bigint): Diag => d('debug.bad-address', `cannot write memory at 0x${addr.toString(16)}`),
  noRegister: (name: string): Diag => d('debug.bad-register', `no register '$${name}'`),
};
