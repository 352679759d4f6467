// Every nondeterministic value a program can observe goes through one NondetSource, so a
// recorder can log them and a replay can feed them back (record inputs, not states).
// The default source is deterministic: the virtual clock, a seeded PRNG, a fixed CPU.

export interface NondetSource {
  /** bpf_ktime_get_ns / boot_ns; `clockNow` is the model's virtual clock. */
  ktimeGetNs(clockNow: bigint): bigint;
  /** bpf_get_prandom_u32. */
  prandomU32(): number;
  /** bpf_get_smp_processor_id; `cpu` is the CPU the model runs the program on. */
  smpProcessorId(cpu: number): number;
}

/** splitmix32-style generator: small, seedable, good enough for prandom. */
export class SeededNondet implements NondetSource {
  private state: number;
  constructor(seed = 0x5eed) {
    this.state = seed >>> 0;
  }
  /** Restarts the sequence (a fresh test run on a long-lived engine). */
  reseed(seed = 0x5eed): void {
    this.state = seed >>> 0;
  }
  ktimeGetNs(clockNow: bigint): bigint {
    return clockNow;
  }
  prandomU32(): number {
    let z = (this.state = (this.state + 0x9e3779b9) >>> 0);
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  smpProcessorId(cpu: number): number {
    return cpu;
  }
}

export type NondetEvent = { kind: 'ktime'; value: bigint } | { kind: 'prandom'; value: number } | { kind: 'cpu'; value: number };

/** Passes values through from `inner` and logs them in order. */
export class RecordingNondet implements NondetSource {
  readonly log: NondetEvent[] = [];
  constructor(private readonly inner: NondetSource) {}
  ktimeGetNs(now: bigint): bigint {
    const value = this.inner.ktimeGetNs(now);
    this.log.push({ kind: 'ktime', value });
    return value;
  }
  prandomU32(): number {
    const value = this.inner.prandomU32();
    this.log.push({ kind: 'prandom', value });
    return value;
  }
  smpProcessorId(cpu: number): number {
    const value = this.inner.smpProcessorId(cpu);
    this.log.push({ kind: 'cpu', value });
    return value;
  }
}

/** Feeds a recorded log back; a read of the wrong kind or past the end is an error. */
export class ReplayNondet implements NondetSource {
  private next = 0;
  constructor(private readonly log: readonly NondetEvent[]) {}
  private take(kind: NondetEvent['kind']): bigint | number {
    const e = this.log[this.next];
    if (!e || e.kind !== kind) throw new Error(`replay diverged: wanted ${kind} at event ${this.next}, log has ${e?.kind ?? 'nothing'}`);
    this.next++;
    return e.value;
  }
  ktimeGetNs(): bigint {
    return this.take('ktime') as bigint;
  }
  prandomU32(): number {
    return this.take('prandom') as number;
  }
  smpProcessorId(): number {
    return this.take('cpu') as number;
  }
}
