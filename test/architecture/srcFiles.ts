// The source files the architecture tests read: every .ts/.tsx file under src/ and the
// layer (top-level folder of src/) each belongs to.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SRC = join(import.meta.dirname, '../../src');

/** Every .ts and .tsx file under `dir`, recursively. */
export function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** The layer of a path under src/: its top-level folder. */
export const layerOf = (file: string): string => relative(SRC, file).split('/')[0]!;
