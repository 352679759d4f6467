// Snapshots: the CPU context (uc_context, ~5.5 KB, save/restore ~0.14 µs) plus copies of
// guest memory. Restoring rewrites only regions whose bytes differ, and drops translated
// blocks of executable regions it rewrites (text pokes may have changed them).
import type { MachineArch, MachineSnapshot } from './machine.ts';
import { snapshotDisposed } from './errors.ts';

export interface RegionCopy {
  base: bigint;
  bytes: Uint8Array;
  exec: boolean;
}

const contexts = new FinalizationRegistry<{ ctx: unknown; free: (ctx: unknown) => void }>(({ ctx, free }) => free(ctx));

export class UcSnapshot implements MachineSnapshot {
  private live = true;
  private readonly token = {};

  constructor(
    readonly owner: object,
    readonly arch: MachineArch,
    readonly pc: bigint,
    private readonly ctx: unknown,
    readonly mem: readonly RegionCopy[],
    private readonly free: (ctx: unknown) => void,
  ) {
    contexts.register(this, { ctx, free }, this.token);
  }

  /** The native context; throws once disposed. */
  context(): unknown {
    if (!this.live) throw snapshotDisposed();
    return this.ctx;
  }

  dispose(): void {
    if (!this.live) return;
    this.live = false;
    contexts.unregister(this.token);
    this.free(this.ctx);
  }
}
