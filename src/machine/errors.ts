// Named failures of the machine layer. Guest faults are StopReason values, not errors;
// these are misuse of the machine (a bug above us) or a missing native library.
import { BpfdbgError } from '../common/diag.ts';

const make = (code: string, message: string): BpfdbgError => new BpfdbgError({ code, message, place: {} });

export const machineClosed = (): BpfdbgError => make('machine.closed', 'the machine has been closed');

export const closeWhileRunning = (): BpfdbgError => make('machine.close-in-hook', 'cannot close the machine from inside a hook or while it runs');

export const reentrantRun = (): BpfdbgError => make('machine.reentrant-run', 'cannot start the machine from inside one of its own hooks');

export const unknownRegister = (arch: string, name: string): BpfdbgError => make('machine.unknown-register', `${arch} has no register named '${name}'`);

export const notSharedMemory = (): BpfdbgError => make('machine.not-shared', 'mapShared needs a page-aligned buffer obtained from machine.allocator()');

export const unicornError = (op: string, code: number, text: string): BpfdbgError => make('machine.unicorn', `${op} failed: ${text} (uc_err ${code})`);

export const unmappedHostAccess = (addr: bigint, size: number): BpfdbgError =>
  make('machine.unmapped', `no guest memory at 0x${addr.toString(16)} (+${size} bytes)`);

export const snapshotDisposed = (): BpfdbgError => make('machine.snapshot-disposed', 'the snapshot was disposed');

export const wrongSnapshot = (): BpfdbgError => make('machine.wrong-snapshot', 'the snapshot was taken on another machine');

export const notInTrap = (): BpfdbgError => make('machine.not-in-trap', 'callFromTrap is only possible from inside a helper or kfunc trap');
