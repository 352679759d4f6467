// bpf_timer_init / set_callback / start / cancel (kernel/bpf/helpers.c) on the virtual clock.
// A struct bpf_timer lives inside a map value; the model keeps the timer state by the
// timer's guest address. Callbacks run when the model's clock reaches their expiry
// (KernelModel.advanceClock) or on request (runDueTimers), through the BpfCaller of the
// engine that called set_callback, with (map, key, value) as the kernel passes them.
import { BPF_FUNC } from '../../bpf/helperIds.ts';
import { EBUSY, EINVAL, negErrno } from '../errors.ts';
import type { HelperContext, HelperDef } from './types.ts';
import type { TimerState } from './timerTable.ts';
import { BPF_F_TIMER_ABS } from '../../bpf/uapiFlags.ts';

const CLOCK_REALTIME = 0n;
const CLOCK_MONOTONIC = 1n;
const CLOCK_BOOTTIME = 7n;

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
