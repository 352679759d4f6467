// Feeds a recording's nondeterministic values back by draw number (nondetLog.ts). A draw
// of another kind than the recording holds, or past its end, means the replay has left
// the recorded path: reported as a divergence naming the draw and the instruction count,
// never papered over with a fresh value.
import { BpfdbgError } from '../common/diag.ts';
import type { NondetSource } from '../kernel/nondet.ts';
import { RecCode } from './errors.ts';
import { NondetLog, NondetTimeline, type NondetEvent } from './nondetLog.ts';

export class ReplayNondet extends NondetTimeline implements NondetSource {
  constructor(
    events: readonly NondetEvent[],
    private readonly file: string,
    private readonly at: () => number,
  ) {
    super(new NondetLog([...events]));
  }

  private take(kind: NondetEvent['kind']): string {
    const e = this.log.events[this.next];
    if (!e || e.kind !== kind) {
      throw new BpfdbgError({
        code: RecCode.diverged,
        message: `replay left the recording at nondeterministic value #${this.next} (instruction ${this.at()}): the program asked for ${kind}, the recording has ${e ? e.kind : 'no more values'}`,
        place: { file: this.file, section: 'EVNT' },
      });
    }
    this.advance();
    return e.value;
  }

  ktimeGetNs(): bigint {
    return BigInt(this.take('ktime'));
  }

  prandomU32(): number {
    return Number(this.take('prandom'));
  }

  smpProcessorId(): number {
    return Number(this.take('cpu'));
  }
}
