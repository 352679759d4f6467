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
