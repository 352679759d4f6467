import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadObjectFile } from '../../src/object/index.ts';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { assemble } from '../../src/bpf/asm.ts';
import { disasmProgram } from '../../src/bpf/disasm.ts';
import { selftestObjDir, selftestObjects } from './selftestObjects.ts';

test('xlated programs of every selftest object round-trip through symbolic disasm and asm', (t) => {
  const names = selftestObjects();
  if (names.length === 0) return t.skip('../shared/testdata absent');
  let tailCalls = 0;
  for (const name of names) {
    const obj = loadObjectFile(path.join(selftestObjDir, name + '.o'));
    assert.ok(obj.ok, name);
    const mapName = (i: number) => obj.value.maps[i]?.name;
    const mapIndex = (n: string) => obj.value.maps.find((m) => m.name === n)?.index;
    for (const prog of obj.value.programs) {
      const img = analyzeProgram(obj.value, prog);
      if (!img.ok) continue; // fentry/freplace programs need an attach target
      const text = disasmProgram(img.value.insns, { symbolic: true, mapName }).map((l) => l.text);
      tailCalls += text.filter((l) => l.startsWith('tail_call')).length;
      const back = assemble(text.join('\n'), { mapIndex });
      assert.ok(back.ok, `${name}/${prog.name}: ${!back.ok && back.error.message}`);
      assert.deepEqual(back.value, img.value.insns, `${name}/${prog.name}`);
    }
  }
  assert.ok(tailCalls > 20, `saw ${tailCalls} tail_call insns`);
});
