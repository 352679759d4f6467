// Paths to ../shared/testdata and small readers shared by the object tests.
import { readFileSync, readdirSync } from 'node:fs';
import { inCI, present } from '../support/required.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testdataDir = path.resolve(repoRoot, '../shared/testdata');
export const selftestsDir = path.join(testdataDir, 'kernel-selftests');
export const objDir = path.join(selftestsDir, 'obj');
export const psBasicPath = path.join(testdataDir, 'private-stack', 'ps_basic.o');
export const haveTestdata = present(path.join(selftestsDir, 'expected.json'), 'shared testdata') && present(psBasicPath, 'shared testdata');
export const SKIP_REASON = 'shared testdata (../shared/testdata) is not present';
export interface ExpectedObject {
  path: string;
  disassembly: string;
  programs: { name: string; section: string; offset: number; insns: number }[];
  subprograms: { name: string; section: string; offset: number; insns: number }[];
  maps: { name: string; type: string; max_entries: number; key_size: number; value_size: number; static_init?: { key: number; prog: string }[] }[];
  globals: { name: string; section: string; offset: number; size: number }[];
}

export function expectedObjects(): Record<string, ExpectedObject> {
  return JSON.parse(readFileSync(path.join(selftestsDir, 'expected.json'), 'utf8')).objects;
}

/** Every object the loader must accept: the 21 selftest objects and ps_basic.o. */
export function allObjectPaths(): string[] {
  const sel = readdirSync(objDir)
    .filter((f) => f.endsWith('.o'))
    .sort()
    .map((f) => path.join(objDir, f));
  return [...sel, psBasicPath];
}

/** Fuzz corpus: the objects above plus the mixed-endian fixtures of test/object/fixtures. */
export function fuzzCorpusPaths(): string[] {
  const fx = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
  return [...allObjectPaths(), path.join(fx, 'mix_el.o'), path.join(fx, 'mix_eb.o')];
}

export function readBytes(p: string): Uint8Array {
  const b = readFileSync(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Upstream selftest objects and the real 6.18 kernel's JIT output for them (issue 13). */
export const kernelWideDir = path.join(testdataDir, 'kernel-wide');
export const haveKernelWide = present(path.join(kernelWideDir, 'kernel_jited.json'), 'kernel-wide testdata');

/**
 * `skip` option for tests that need a part of ../shared/testdata: the reason when it is
 * absent, except under CI=true, where absent test data must fail the test instead.
 */
export function skipUnless(have: boolean, what: string): string | false {
  if (have || inCI) return false;
  return `${what} (../shared/testdata) is not present`;
}
