// The timers of a kernel model (struct bpf_timer state by guest address) and how one fires;
// its own file so helpers/types.ts (HelperContext.timers) and timer.ts (the helpers) do not
// import each other.
import type { BpfCaller } from '../../bpf/interpreter.ts';
import type { BpfMap } from '../maps/base.ts';
import { ArrayMap } from '../maps/array.ts';
import { HashMap } from '../maps/hash.ts';

/** What firing a timer needs of the helper context: guest scratch memory for the key it passes. */
interface TimerHost {
  scratch(bytes: Uint8Array): bigint;
}

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
  fire(t: TimerState, k: TimerHost, now: bigint): bigint {
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
