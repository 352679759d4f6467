// Every upstream selftest object of ../shared/testdata/kernel-wide opens (as `bpfdbg list`
// needs), and every program the real Linux 6.18 kernel loaded from them is one the loader
// prepares too: none is refused for a loader reason (issue 13).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadObjectFile } from '../../src/object/index.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from './testdata.ts';

describe('kernel-wide selftest objects', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  it('every object opens, and every kernel-loaded program is among the loaded ones', () => {
    const kernel = JSON.parse(readFileSync(path.join(kernelWideDir, 'kernel_jited.json'), 'utf8')) as { objects: Record<string, Record<string, unknown>> };
    const files = readdirSync(path.join(kernelWideDir, 'obj'))
      .filter((f) => f.endsWith('.o'))
      .sort();
    assert.equal(files.length, 195);
    const failed: string[] = [];
    const refused: string[] = [];
    for (const f of files) {
      const r = loadObjectFile(path.join(kernelWideDir, 'obj', f));
      if (!r.ok) {
        failed.push(`${f}: ${r.error.message}`);
        continue;
      }
      for (const prog of Object.keys(kernel.objects[f] ?? {})) {
        const why = r.value.rejected?.find((p) => p.name === prog);
        if (why) refused.push(`${f} ${prog}: ${why.error.message}`);
        else
          assert.ok(
            r.value.programs.some((p) => p.name === prog),
            `${f}: ${prog} is loaded`,
          );
      }
    }
    assert.deepEqual(failed, []);
    assert.deepEqual(refused, []);
  });
});
