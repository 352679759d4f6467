// What record/ needs from the Session beyond execute(text) and publish(): the Session's
// state derived from the debuggee's history, which a checkpoint must restore with it.
import type { Session } from '../debugger/session.ts';

/**
 * Session state derived from the debuggee's history, restored with it: the last poke
 * transition per descriptor. (The tail-call log is not one: a checkpoint's copy would be
 * stale after the quiet re-execution past it; it journals itself by instruction count and
 * TimeTravelSession rewinds it, see timeTravelClock.)
 */
export function sessionStateRoots(s: Session): object[] {
  return [s.lastTransition];
}

/** Gives the tail-call log the timeline's clock, so reverse execution can rewind it. */
export function timeTravelClock(s: Session, count: () => number): void {
  s.rc.tracker.clock = count;
  s.rc.tracker.reset();
}
