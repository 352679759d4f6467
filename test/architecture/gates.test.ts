// The CI gates (.ci/run) catch what they are there for: a lint error or an unformatted file
// fails the run, before the tests. Checked on throwaway files with the committed configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';

const ROOT = join(import.meta.dirname, '../..');

test('.ci/run stops at the first failing step and runs typecheck, lint and format:check before the tests', () => {
  const lines = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n');
  assert.ok(lines.includes('set -euo pipefail'));
  const at = (cmd: string): number => {
    const i = lines.indexOf(cmd);
    assert.ok(i >= 0, `.ci/run runs ${cmd}`);
    return i;
  };
  const order = ['npm run typecheck', 'npm run lint', 'npm run format:check', 'npm test'].map(at);
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
  );
});

test('the lint configuration rejects a lint error and accepts clean code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfdbg-lint-'));
  try {
    writeFileSync(join(dir, 'bad.ts'), 'let n = 1;\nexport const same = (x: number) => x == n;\n');
    writeFileSync(join(dir, 'good.ts'), 'const n = 1;\nexport const same = (x: number) => x === n;\n');
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: join(ROOT, 'eslint.config.js') });
    const [bad, good] = await eslint.lintFiles(['bad.ts', 'good.ts']);
    assert.deepEqual(bad!.messages.map((m) => m.ruleId).sort(), ['eqeqeq', 'prefer-const']);
    assert.equal(bad!.errorCount, 2);
    assert.deepEqual(good!.messages, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the format check rejects an unformatted file and accepts a formatted one', async () => {
  const options = { ...(await prettier.resolveConfig(join(ROOT, 'src/x.ts'))), filepath: join(ROOT, 'src/x.ts') };
  assert.equal(options.singleQuote, true, 'the committed .prettierrc.json applies to src/');
  assert.equal(await prettier.check('export const a = {b:1}\n', options), false);
  assert.equal(await prettier.check("export const a = { b: 1, c: 'x' };\n", options), true);
  const info = await prettier.getFileInfo(join(ROOT, 'src/bpf/opcodes.ts'), { ignorePath: join(ROOT, '.prettierignore') });
  assert.equal(info.ignored, false, 'sources are not ignored');
});
