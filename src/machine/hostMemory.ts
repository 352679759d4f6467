// Page-aligned host memory that a guest can map with zero copy (uc_mem_map_ptr) while JS
// reads and writes the same bytes through a Uint8Array. The kernel model's address space
// takes `hostAllocator` as its injectable allocator; machines map the buffers it returns.
// Lifetime: a buffer is unmapped from the host (munmap) only when JS no longer references
// it AND no open machine maps it (machines hold a strong reference while mapped).
import { PAGE_SIZE } from '../common/layout.ts';
import { unicornLib } from './unicornLib.ts';

interface HostBlock {
  /** Host address of the first byte. */
  address: bigint;
  size: number;
}

const blocks = new WeakMap<ArrayBuffer, HostBlock>();
const reaper = new FinalizationRegistry<{ ptr: unknown; size: number }>(({ ptr, size }) => {
  unicornLib().hostFree(ptr, size);
});

export const roundUpPage = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** Allocates zeroed, page-aligned host memory; the view has exactly `size` bytes. */
export function hostAllocator(size: number): Uint8Array {
  const n = roundUpPage(Math.max(size, 1));
  const h = unicornLib().hostAlloc(n);
  blocks.set(h.view.buffer as ArrayBuffer, { address: h.address, size: n });
  reaper.register(h.view.buffer, { ptr: h.ptr, size: n });
  return h.view.subarray(0, size);
}

/**
 * Host address and mappable length (page-rounded) of a view made by hostAllocator, or
 * undefined when the view is not such memory or does not start on a page boundary.
 */
export function hostRange(view: Uint8Array): { address: bigint; size: number } | undefined {
  const b = blocks.get(view.buffer as ArrayBuffer);
  if (!b || view.byteOffset % PAGE_SIZE !== 0) return undefined;
  const size = roundUpPage(Math.max(view.length, 1));
  if (view.byteOffset + size > b.size) return undefined;
  return { address: b.address + BigInt(view.byteOffset), size };
}
