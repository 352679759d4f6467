// The setup of the attach tests of every arch (test/engine/attach.test.ts,
// attachRiscv.test.ts): an Attacher on an engine, kernel selftest objects loaded by name
// (the first program of the given type), programs found by name, attach errors as errno names.
import * as path from 'node:path';
import { loadObjectFile } from '../../src/object/index.ts';
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import { analysisOptionsFor } from '../../src/jit/profiles.ts';
import type { JitProfile } from '../../src/jit/types.ts';
import type { ProgType } from '../../src/object/types.ts';
import { unwrap, type Result } from '../../src/common/diag.ts';
import type { LoadedObject, KernelProgram } from '../../src/kernel/index.ts';
import type { JitEngine } from '../../src/engine/jitEngine.ts';
import { Attacher } from '../../src/engine/attach.ts';
import { selftestDir } from './expectedSelftests.ts';

export const attachObjDir = path.join(selftestDir, 'obj');

export function attachFixture<E extends JitEngine>(eng: E, profile: JitProfile) {
  const att = new Attacher(eng);
  const load = (name: string, progType?: ProgType): LoadedObject => {
    const obj = unwrap(loadObjectFile(path.join(attachObjDir, `${name}.o`)));
    const images: ProgramImage[] = obj.programs
      .filter((p) => p.autoload)
      .map((p, k) => unwrap(analyzeProgram(obj, p, { ...analysisOptionsFor(profile), ...(k === 0 && progType ? { progType } : {}) })));
    return unwrap(eng.loadObject(obj, images));
  };
  const prog = (o: LoadedObject, name: string): KernelProgram => o.programs.find((p) => p.name === name)!;
  return { eng, att, load, prog };
}

/** An attach result as the errno name it failed with ('ok' when it did not). */
export const errnoOf = (r: Result<unknown>): string => (r.ok ? 'ok' : r.error.code.replace('attach.', ''));
