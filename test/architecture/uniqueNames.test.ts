// One name, one type: no two types, interfaces, classes or enums exported from src/ share a
// name. Two `LoadedProgram`s (the kernel model's and the debugger's) or four `Region`s had
// to be told apart with `as` at every import, and a reader could not tell which one a file
// meant (issue 17). A re-export (`export type { X } from ...`) is the same type and does
// not count; functions and constants are left to the linter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { files, SRC } from './srcFiles.ts';

/** Names exported twice on purpose, with the reason. Empty: every clash so far had a better name. */
const ALLOWED: ReadonlyMap<string, string> = new Map();

const DECL = /^\s*export\s+(?:declare\s+)?(?:abstract\s+)?(?:interface|type|class|enum|const\s+enum)\s+([A-Za-z_$][\w$]*)/gm;

/** Name -> files declaring it, for names declared in more than one place. */
function duplicateTypeNames(sources: ReadonlyMap<string, string>): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const [file, text] of sources)
    for (const m of text.matchAll(DECL)) {
      const name = m[1]!;
      if (!where.has(name)) where.set(name, []);
      where.get(name)!.push(file);
    }
  return new Map([...where].filter(([, fs]) => fs.length > 1));
}

test('no two types, interfaces, classes or enums exported from src/ share a name', () => {
  const sources = new Map(files(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8')]));
  const clashes = [...duplicateTypeNames(sources)].filter(([name]) => !ALLOWED.has(name)).map(([name, fs]) => `${name}: ${fs.join(', ')}`);
  assert.deepEqual(clashes, [], 'give each a name that says what it holds (or, if one type is meant, re-export it)');
});

test('the check finds a name declared twice and ignores a re-export', () => {
  const sources = new Map([
    ['a.ts', 'export interface Region {\n  base: bigint;\n}\nexport type Kind = 1;\n'],
    ['b.ts', "export class Region {}\nexport type { Kind } from './a.ts';\nexport const Kind = 2;\n"],
  ]);
  assert.deepEqual([...duplicateTypeNames(sources)], [['Region', ['a.ts', 'b.ts']]]);
});
