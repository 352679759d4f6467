// One call from an object to a ready Session: Capstone loaded, target launched.
import type { Result } from '../common/diag.ts';
import { ok } from '../common/diag.ts';
import { loadCapstone } from '../machine/capstone.ts';
import type { BpfObject } from '../object/types.ts';
import { Session, type SessionOptions } from './session.ts';
import { launchTarget, type LaunchOptions } from './target/launch.ts';

export async function openSession(obj: BpfObject, launch: LaunchOptions = {}, opts: SessionOptions = {}): Promise<Result<Session>> {
  await loadCapstone();
  const t = await launchTarget(obj, launch);
  if (!t.ok) return t;
  return ok(new Session(t.value, { objectPath: obj.path, ...opts }));
}
