// The helper table: UAPI id (or KERNEL_FUNC id) -> implementation.
import { helperName } from '../../bpf/helperIds.ts';
import { BpfdbgError } from '../../common/diag.ts';
import { unsupportedHelper } from '../errors.ts';
import { bpfLoop } from './loop.ts';
import { mapHelpers } from './mapHelpers.ts';
import { miscHelpers } from './miscHelpers.ts';
import { packetHelpers } from './packetHelpers.ts';
import { timerHelpers } from './timer.ts';
import { tracePrintk } from './tracePrintk.ts';
import type { HelperContext, HelperDef } from './types.ts';

export type { Helper, HelperContext, HelperDef } from './types.ts';
export { TimerTable, type TimerState } from './timerTable.ts';
export { formatPrintk } from './tracePrintk.ts';
export { skbLoadBe, skbLinear, ETH_HLEN, XDP_FRAME_SIZE, SKB_SHARED_INFO_SIZE } from './packetHelpers.ts';

export const HELPERS: ReadonlyMap<number, HelperDef> = new Map(
  [...mapHelpers, ...miscHelpers, tracePrintk, ...packetHelpers, bpfLoop, ...timerHelpers].map((h) => [h.id, h]),
);

/** Calls helper `id`; an unmodelled helper is a user-facing error naming it. */
export function callHelper(k: HelperContext, id: number, a: readonly bigint[]): bigint {
  const h = HELPERS.get(id);
  if (!h) throw new BpfdbgError(unsupportedHelper(id, helperName(id)));
  return BigInt.asUintN(64, h.fn(k, a[0] ?? 0n, a[1] ?? 0n, a[2] ?? 0n, a[3] ?? 0n, a[4] ?? 0n));
}
