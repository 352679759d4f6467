// What record/ needs from the Session beyond execute(text), in one place. The Session has
// no public way yet to publish a new View after its debuggee changed outside a command
// (reverse execution restores a checkpoint), so this reaches its private fields.
// Wanted instead (see the report): `Session.publish(): View` — rebuild the View, notify
// subscribers — and `Session.stateRoots(): object[]` naming its debuggee-derived state.
import type { Session } from '../debugger/session.ts';
import type { View } from '../debugger/view.ts';

interface SessionInternals {
  current: View;
  subs: Set<() => void>;
  buildView(): View;
  rawFrames: unknown;
}

/** Rebuilds the Session's View from the debuggee as it is now and notifies subscribers. */
export function publishView(s: Session): View {
  const i = s as unknown as SessionInternals;
  if (typeof i.buildView !== 'function' || !(i.subs instanceof Set)) throw new Error('Session has no buildView/subs: record/sessionAccess.ts needs updating');
  s.invalidateFrames();
  s.code.invalidate();
  i.current = i.buildView();
  for (const f of i.subs) f();
  return i.current;
}

/**
 * Session state derived from the debuggee's history, restored with it: the tail-call log
 * (backtrace hops) and the last poke transition per descriptor.
 */
export function sessionStateRoots(s: Session): object[] {
  return [s.rc.tracker, s.lastTransition];
}
