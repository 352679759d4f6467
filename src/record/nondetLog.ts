// The nondeterministic values of a session, as a timeline indexed by draw number. The
// cursor (`next`) belongs to the debuggee's state — checkpoints restore it — so when
// reverse execution re-runs a stretch, draw k yields the value draw k yielded the first
// time, whatever the source. The log and its high-water mark are not state: they only
// grow. When the past is changed (a command alters state after going back), the new
// timeline continues at the high-water mark, in recording and replay alike.
import type { RecordedEvent } from './format.ts';

export type NondetEvent = Extract<RecordedEvent, { t: 'nondet' }>;

/** A class instance, so checkpoint capture (modelState.ts) keeps it by reference. */
export class NondetLog {
  highWater = 0;
  constructor(readonly events: NondetEvent[] = []) {}
}

export abstract class NondetTimeline {
  /** Next draw number; restored with the debuggee's state. */
  next = 0;
  constructor(readonly log: NondetLog) {}

  /** The past was changed: later draws are new values, after every draw seen so far. */
  branch(): void {
    this.next = this.log.highWater;
  }

  protected advance(): void {
    this.next++;
    if (this.next > this.log.highWater) this.log.highWater = this.next;
  }
}
