#!/usr/bin/env node
// Compiles src/ to JavaScript in dist/ for bin/bpfdbg: tsx compiles every module at each
// start (0.6-1.1 s before `list` prints anything); the bundle starts in ~0.1 s. Development
// keeps running the sources through tsx: bin/bpfdbg uses dist/ only while it is newer than
// every file under src/ (distFreshness.mjs). esbuild is the one tsx already depends on.
// It bundles src/cli/main.ts with code splitting, so the commands' dynamic imports (the
// TUI, Ink and React) stay lazy; npm packages stay external (node_modules at run time).
// Types are not checked here: `npm run typecheck` does that.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

export async function buildDist() {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Ink, React and the rest are bundled too: loading their ~400 module files one by one
    // through Node's ESM loader (and cjs-module-lexer) was most of the UI's first 0.9 s.
    // koffi (a native addon) and Capstone (reads its .wasm beside its own file) stay in
    // node_modules; react-devtools-core is an optional import of Ink's development mode.
    external: ['koffi', '@alexaltea/capstone-js', 'react-devtools-core', 'tsx', 'tsx/*', 'esbuild'],
    // CommonJS packages inside the ESM bundle call require() for Node built-ins.
    banner: { js: "import { createRequire as __bpfdbgCreateRequire } from 'node:module'; const require = __bpfdbgCreateRequire(import.meta.url);" },
    jsx: 'automatic',
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDist();
  process.stderr.write(`build: ${outdir}\n`);
}
