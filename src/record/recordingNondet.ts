// The nondeterministic values a recorded session's helpers return (time, random numbers,
// CPU id): drawn from the live source the first time, logged, and served from the log
// when reverse execution re-runs the same draws (nondetLog.ts).
import { type NondetSource, SeededNondet } from '../kernel/nondet.ts';
import { NondetLog, NondetTimeline, type NondetEvent } from './nondetLog.ts';

export class RecordingNondet extends NondetTimeline implements NondetSource {
  constructor(
    private readonly at: () => number,
    private readonly inner: NondetSource = new SeededNondet(),
    log = new NondetLog(),
  ) {
    super(log);
  }

  private draw(kind: NondetEvent['kind'], fresh: () => string): string {
    const known = this.log.events[this.next];
    let value: string;
    if (known && known.kind === kind) value = known.value;
    else {
      // A draw past the log; or the past changed and asks for another kind: branch.
      if (known) this.branch();
      value = fresh();
      this.log.events.push({ t: 'nondet', at: this.at(), kind, value });
    }
    this.advance();
    return value;
  }

  ktimeGetNs(clockNow: bigint): bigint {
    return BigInt(this.draw('ktime', () => this.inner.ktimeGetNs(clockNow).toString()));
  }

  prandomU32(): number {
    return Number(this.draw('prandom', () => String(this.inner.prandomU32())));
  }

  smpProcessorId(cpu: number): number {
    return Number(this.draw('cpu', () => String(this.inner.smpProcessorId(cpu))));
  }
}
