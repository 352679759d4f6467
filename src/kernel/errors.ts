// Errno values the kernel model returns (helpers return them negated, map syscalls as
// values) and named Diag factories for user-facing kernel-model errors.
import type { Diag, Place } from '../common/diag.ts';

export const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EOPNOTSUPP = 95;

const NAMES: Record<number, string> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [E2BIG]: 'E2BIG',
  [ENOMEM]: 'ENOMEM',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
};

/** `ENOENT` for 2 or -2. */
export const errnoName = (e: number): string => NAMES[Math.abs(e)] ?? `errno ${Math.abs(e)}`;

/** A helper's negative errno as the u64 R0 the program sees. */
export const negErrno = (e: number): bigint => BigInt.asUintN(64, BigInt(-Math.abs(e)));

const diag = (code: string, message: string, place: Place = {}): Diag => ({ code, message, place });

export const unknownMap = (name: string): Diag => diag('kernel.unknown-map', `no map named '${name}'`);
export const unknownProgram = (name: string): Diag => diag('kernel.unknown-program', `no loaded program named '${name}'`);
export const unknownGlobal = (name: string): Diag => diag('kernel.unknown-global', `no global variable named '${name}'`);
export const unsupportedHelper = (id: number, name: string): Diag => diag('kernel.unsupported-helper', `helper ${name} (#${id}) is not modelled`);
export const unsupportedKfunc = (btfId: number, name: string | undefined): Diag =>
  diag('kernel.unsupported-kfunc', `kfunc ${name ?? '?'} (vmlinux BTF id ${btfId}) is not modelled`);
export const badHelperArg = (name: string, why: string): Diag => diag('kernel.bad-helper-arg', `${name}: ${why}`);
export const mapOpFailed = (map: string, what: string, errno: number): Diag => diag('kernel.map-op', `${what} on map '${map}' failed: ${errnoName(errno)}`);
