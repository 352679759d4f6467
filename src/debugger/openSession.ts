// One call from an object to a ready Session: target launched (it loads Capstone), session made.
import type { Result } from '../common/diag.ts';
import { ok } from '../common/diag.ts';
import type { BpfObject } from '../object/types.ts';
import { Session, type SessionOptions } from './session.ts';
import { launchTarget, type LaunchOptions } from './target/launch.ts';

export async function openSession(obj: BpfObject, launch: LaunchOptions = {}, opts: SessionOptions = {}): Promise<Result<Session>> {
  const t = await launchTarget(obj, launch);
  if (!t.ok) return t;
  return ok(new Session(t.value, { objectPath: obj.path, ...opts }));
}
