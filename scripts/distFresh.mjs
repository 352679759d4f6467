// Whether dist/ (scripts/build.mjs) was built from the current sources: dist/main.js is at
// least as new as every file and folder under src/ (a folder's mtime changes when a file is
// added, removed or renamed in it). Equal times count as fresh: npm packs every file with
// one fixed mtime. bin/bpfdbg runs dist/ only when fresh; scripts/setup.mjs rebuilds otherwise.
// Uses only Node built-ins and costs ~2 ms for ~300 entries.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const distMain = join(root, 'dist', 'main.js');

export function distFresh() {
  let built;
  try {
    built = statSync(distMain).mtimeMs;
  } catch {
    return false;
  }
  const src = join(root, 'src');
  const newer = (p) => statSync(p).mtimeMs > built;
  if (newer(src)) return false;
  for (const rel of readdirSync(src, { recursive: true })) if (newer(join(src, rel))) return false;
  return true;
}
