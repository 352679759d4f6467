// Opens a debugger Session over an example object or a kernel selftest object.
import { join, resolve } from 'node:path';
import { unwrap } from '../../src/common/diag.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import { openSession } from '../../src/debugger/openSession.ts';
import type { Session } from '../../src/debugger/session.ts';
import type { LaunchOptions } from '../../src/debugger/target/launch.ts';
import type { CommandResult } from '../../src/debugger/command.ts';
import { present } from '../support/required.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const EXAMPLES = join(ROOT, 'examples');
export const SELFTESTS = join(resolve(ROOT, '../shared/testdata'), 'kernel-selftests/obj');

export function examplePath(name: string): string {
  return join(EXAMPLES, `${name}.o`);
}

export async function openAt(path: string, launch: LaunchOptions = {}, data?: Uint8Array): Promise<Session> {
  const obj = unwrap(loadObjectFile(path));
  return unwrap(await openSession(obj, launch, { input: { data: data ?? new Uint8Array(64) } }));
}

export const openExample = (name: string, launch: LaunchOptions = {}, data?: Uint8Array): Promise<Session> => openAt(examplePath(name), launch, data);

/** Whether a test input exists (under CI=true a missing one fails the test file). */
export const have = (path: string): boolean => present(path, 'test input');

/** Runs commands in order; returns the last result (all must succeed unless `allowErrors`). */
export async function exec(s: Session, ...cmds: string[]): Promise<CommandResult> {
  let r: CommandResult | undefined;
  for (const c of cmds) {
    r = await s.execute(c);
    if (!r.ok) throw new Error(`'${c}' failed: ${r.error?.message}`);
  }
  return r!;
}

export const outText = (r: CommandResult): string =>
  r.output
    .filter((l) => l.kind !== 'command')
    .map((l) => l.text)
    .join('\n');
