// Checkpoints: CPU context + guest pages written since recording began + the kernel
// model's JS state, each with a state hash. Ordered by instruction count; several may
// share a count (before and after a command that changed state), the later one wins.
import type { MachineSnapshot } from '../machine/machine.ts';
import type { PageDelta } from './guestMemory.ts';
import type { ModelState } from './modelState.ts';

export type CheckpointCause = 'launch' | 'periodic' | 'command' | 'external' | 'mark' | 'dense' | 'final';

export interface Checkpoint {
  /** Creation order (breaks ties between checkpoints at the same count). */
  readonly seq: number;
  readonly at: number;
  readonly cause: CheckpointCause;
  readonly cpu: MachineSnapshot;
  readonly mem: PageDelta;
  readonly model: ModelState;
  readonly hash: string;
}

export class CheckpointStore {
  private list: Checkpoint[] = [];
  private nextSeq = 0;

  newSeq(): number {
    return this.nextSeq++;
  }

  add(c: Checkpoint): void {
    // Insert after every checkpoint at or before c.at (dense ones land in the middle).
    let k = this.list.length;
    while (k > 0 && this.list[k - 1]!.at > c.at) k--;
    this.list.splice(k, 0, c);
  }

  all(): readonly Checkpoint[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  last(): Checkpoint | undefined {
    return this.list.at(-1);
  }

  /** The checkpoint to resume from to reach count `n`: the latest with at <= n. */
  before(n: number): Checkpoint | undefined {
    let lo = 0,
      hi = this.list.length - 1,
      best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid]!.at <= n) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best < 0 ? undefined : this.list[best];
  }

  has(n: number): boolean {
    return this.before(n)?.at === n;
  }

  /** History after `n` is no longer true (state changed in the past): drop it. */
  truncateAfter(n: number): void {
    while (this.list.length && this.list.at(-1)!.at > n) this.list.pop()!.cpu.dispose();
  }

  dispose(): void {
    for (const c of this.list) c.cpu.dispose();
    this.list = [];
  }
}
