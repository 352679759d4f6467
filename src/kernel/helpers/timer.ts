// bpf_timer_init / set_callback / start / cancel (kernel/bpf/helpers.c) on the virtual clock.
// A struct bpf_timer lives inside a map value; the model keeps the timer state by the
// timer's guest address. Callbacks run when the model's clock reaches their expiry
// (KernelModel.advanceClock) or on request (runDueTimers), through the BpfCaller of the
// engine that called set_callback, with (map, key, value) as the kernel passes them.
import { BPF_FUNC } from '../../bpf/helperIds.ts';
import type { BpfCaller } from '../../bpf/interpreter.ts';
import { EBUSY, EINVAL, negErrno } from '../errors.ts';
import type { BpfMap } from '../maps/base.ts';
import { ArrayMap } from '../maps/array.ts';
import { HashMap } from '../maps/hash.ts';
import type { HelperContext, HelperDef } from './types.ts';
import { BPF_F_TIMER_ABS } from '../../bpf/uapiFlags.ts';

const CLOCK_REALTIME = 0n;
const CLOCK_MONOTONIC = 1n;
const CLOCK_BOOTTIME = 7n;

export interface TimerState {
  addr: bigint;
  map: BpfMap;
  callback?: bigint;
  caller?: BpfCaller;
  /** Absolute expiry on the virtual clock, when armed. */
  expires?: bigint;
}

export class TimerTable {
  readonly timers = new Map<bigint, TimerState>();
  /** Callback runs, in order, for inspection. */
  readonly fired: { addr: bigint; at: bigint; ret: bigint }[] = [];

  /** Armed timers due at or before `now`, earliest first. */
  due(now: bigint): TimerState[] {
    return [...this.timers.values()]
      .filter((t) => t.expires !== undefined && t.expires <= now)
      .sort((a, b) => (a.expires! < b.expires! ? -1 : a.expires! > b.expires! ? 1 : 0));
  }

  /** Runs one timer's callback now (it is disarmed first, as hrtimer callbacks are). */
  fire(t: TimerState, k: Pick<HelperContext, 'scratch' | 'space'>, now: bigint): bigint {
    t.expires = undefined;
    if (t.callback === undefined || !t.caller) return 0n;
    const { value, key } = elementOf(t.map, t.addr);
    const keyAddr = k.scratch(key);
    const ret = t.caller.callFunction(t.callback, [t.map.addr, keyAddr, value, 0n, 0n]);
    this.fired.push({ addr: t.addr, at: now, ret });
    return ret;
  }
}

/** The map element (value address and key bytes) that contains the timer at `addr`. */
function elementOf(map: BpfMap, addr: bigint): { value: bigint; key: Uint8Array } {
  if (map instanceof ArrayMap || map instanceof HashMap) {
    const idx = Math.floor(Number(addr - map.valueBase) / map.elemSize);
    const value = map.valueBase + BigInt(idx * map.elemSize);
    if (map instanceof ArrayMap) {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, idx % map.def.maxEntries, true);
      return { value, key };
    }
    const key = map.keys().find((kb) => map.lookup(kb, 0) === value) ?? new Uint8Array(map.def.keySize);
    return { value, key };
  }
  return { value: addr, key: new Uint8Array(map.def.keySize) };
}

function timerOf(k: HelperContext, addr: bigint): TimerState | undefined {
  return k.timers.timers.get(addr);
}

export const timerHelpers: HelperDef[] = [
  {
    id: BPF_FUNC.timer_init,
    name: 'bpf_timer_init',
    fn: (k, timer, map, flags) => {
      const clock = flags & 0xfn;
      if ((flags & ~0xfn) !== 0n || (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC && clock !== CLOCK_BOOTTIME)) return negErrno(EINVAL);
      const m = k.mapAt(map);
      if (!m) return negErrno(EINVAL);
      if (k.timers.timers.has(timer)) return negErrno(EBUSY);
      k.timers.timers.set(timer, { addr: timer, map: m });
      // The kernel stores a pointer to its bpf_hrtimer in the bpf_timer; mark it non-zero.
      k.space.store(timer, 8, timer);
      return 0n;
    },
  },
  {
    id: BPF_FUNC.timer_set_callback,
    name: 'bpf_timer_set_callback',
    fn: (k, timer, fn) => {
      const t = timerOf(k, timer);
      if (!t) return negErrno(EINVAL);
      t.callback = fn;
      t.caller = k.caller;
      return 0n;
    },
  },
  {
    id: BPF_FUNC.timer_start,
    name: 'bpf_timer_start',
    fn: (k, timer, nsecs, flags) => {
      const t = timerOf(k, timer);
      if (!t || t.callback === undefined) return negErrno(EINVAL);
      if ((flags & ~(BPF_F_TIMER_ABS | 2n)) !== 0n) return negErrno(EINVAL);
      t.expires = flags & BPF_F_TIMER_ABS ? nsecs : k.now() + nsecs;
      return 0n;
    },
  },
  {
    id: BPF_FUNC.timer_cancel,
    name: 'bpf_timer_cancel',
    fn: (k, timer) => {
      const t = timerOf(k, timer);
      if (!t) return negErrno(EINVAL);
      const wasActive = t.expires !== undefined;
      t.expires = undefined;
      return wasActive ? 1n : 0n;
    },
  },
];
