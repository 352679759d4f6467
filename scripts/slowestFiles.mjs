// A node:test reporter that prints the 10 test files that took longest, after the run
// (scripts/test.mjs adds it beside the spec reporter). Node reports each file as a
// top-level test named by its path; its duration covers loading the file and its tests.
import { relative } from 'node:path';

const SHOWN = 10;

export default async function* slowestFiles(source) {
  const byFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:complete' && event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, nesting, details } = event.data;
    if (nesting === 0 && file && name === file && details?.duration_ms !== undefined) byFile.set(file, details.duration_ms);
  }
  if (byFile.size === 0) return;
  const slowest = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  const width = Math.max(...slowest.map(([, ms]) => (ms / 1000).toFixed(1).length));
  yield `\nslowest test files (of ${byFile.size}):\n`;
  for (const [file, ms] of slowest) yield `  ${(ms / 1000).toFixed(1).padStart(width)} s  ${relative(process.cwd(), file)}\n`;
}
