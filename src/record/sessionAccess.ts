// What record/ needs from the Session beyond execute(text) and publish(): the Session's
// state derived from the debuggee's history, which a checkpoint must restore with it.
import type { Session } from '../debugger/session.ts';

/**
 * Session state derived from the debuggee's history, restored with it: the tail-call log
 * (backtrace hops) and the last poke transition per descriptor.
 */
export function sessionStateRoots(s: Session): object[] {
  return [s.rc.tracker, s.lastTransition];
}
