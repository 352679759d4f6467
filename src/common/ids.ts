// Branded ids: a BPF instruction index is not a native byte offset, and a 1-based
// source line is not a 0-based one. The loader, analysis and JIT create them; above those
// a number becomes one through its constructor here (`insnIdx(n)`: a user or a View names
// an insn), never a cast (test/architecture/typeEscapes.test.ts).

/** Index of an 8-byte BPF instruction slot in a program's flat instruction array. */
export type InsnIdx = number & { readonly __brand: 'InsnIdx' };
/** Byte offset inside one JITed function's code. */
export type NativeOff = number & { readonly __brand: 'NativeOff' };
/** Byte offset inside the object file. */
export type FileOff = number & { readonly __brand: 'FileOff' };
/** Index into a ProgramImage's subprogram table (0 = the entry program itself). */
export type SubprogIdx = number & { readonly __brand: 'SubprogIdx' };
/** 1-based source line number. */
export type SrcLine = number & { readonly __brand: 'SrcLine' };
/** An address in the emulated (guest) address space. */
export type GuestAddr = bigint & { readonly __brand: 'GuestAddr' };

export const insnIdx = (n: number): InsnIdx => n as InsnIdx;
export const nativeOff = (n: number): NativeOff => n as NativeOff;
export const fileOff = (n: number): FileOff => n as FileOff;
export const subprogIdx = (n: number): SubprogIdx => n as SubprogIdx;
export const srcLine = (n: number): SrcLine => n as SrcLine;
export const guestAddr = (n: bigint): GuestAddr => BigInt.asUintN(64, n) as GuestAddr;
