// Which helper arguments point at memory, and how much of it the helper touches: the
// verifier checks (and, for PTR_TO_STACK, grows the frame for) exactly these ranges
// (check_helper_mem_access / check_stack_range_initialized). Only helpers whose memory
// arguments can be stack pointers in practice are listed; others touch no stack.
// Ids: enum bpf_func_id (include/uapi/linux/bpf.h), in bpf/helperIds.ts.
import { BPF_FUNC } from '../bpf/helperIds.ts';

/** A map key/value argument: size comes from the map named by the map argument. */
export interface MapMemArg {
  reg: number;
  mapReg: number;
  what: 'key' | 'value';
  write: boolean;
}

export const MAP_MEM_ARGS: Record<number, MapMemArg[]> = {
  [BPF_FUNC.map_lookup_elem]: [{ reg: 2, mapReg: 1, what: 'key', write: false }],
  [BPF_FUNC.map_update_elem]: [
    { reg: 2, mapReg: 1, what: 'key', write: false },
    { reg: 3, mapReg: 1, what: 'value', write: false },
  ],
  [BPF_FUNC.map_delete_elem]: [{ reg: 2, mapReg: 1, what: 'key', write: false }],
  [BPF_FUNC.map_push_elem]: [{ reg: 2, mapReg: 1, what: 'value', write: false }],
  [BPF_FUNC.map_pop_elem]: [{ reg: 2, mapReg: 1, what: 'value', write: true }],
  [BPF_FUNC.map_peek_elem]: [{ reg: 2, mapReg: 1, what: 'value', write: true }],
  [BPF_FUNC.map_lookup_percpu_elem]: [{ reg: 2, mapReg: 1, what: 'key', write: false }],
};

/** ARG_PTR_TO_MEM followed by ARG_CONST_SIZE: [pointer reg, size reg, helper writes it]. */
export const SIZED_MEM_ARGS: Record<number, [number, number, boolean][]> = {
  4: [[1, 2, true]], // probe_read
  6: [[1, 2, false]], // trace_printk
  9: [[3, 4, false]], // skb_store_bytes
  16: [[1, 2, true]], // get_current_comm
  25: [[4, 5, false]], // perf_event_output
  26: [[3, 4, true]], // skb_load_bytes
  28: [[1, 2, false], [3, 4, false]], // csum_diff
  45: [[1, 2, true]], // probe_read_str
  67: [[2, 3, true]], // get_stack
  68: [[3, 4, true]], // skb_load_bytes_relative
  112: [[1, 2, true]], // probe_read_user
  113: [[1, 2, true]], // probe_read_kernel
  114: [[1, 2, true]], // probe_read_user_str
  115: [[1, 2, true]], // probe_read_kernel_str
  130: [[2, 3, false]], // ringbuf_output
  165: [[1, 2, true], [4, 5, false]], // snprintf
  189: [[3, 4, true]], // xdp_load_bytes
  190: [[3, 4, false]], // xdp_store_bytes
};

/**
 * Helpers that take a callback (LD_IMM64 src 4 in `cbReg`). `ctxFrom`: the caller register
 * whose value the callback receives in `ctxTo` (e.g. bpf_loop(nr, cb, ctx) -> cb(i, ctx)).
 */
export const CALLBACK_HELPERS: Record<number, { cbReg: number; ctxFrom?: number; ctxTo?: number; async?: boolean }> = {
  [BPF_FUNC.timer_set_callback]: { cbReg: 2, async: true },
  [BPF_FUNC.loop]: { cbReg: 2, ctxFrom: 3, ctxTo: 2 },
  [BPF_FUNC.for_each_map_elem]: { cbReg: 2, ctxFrom: 3, ctxTo: 4 },
  180: { cbReg: 3, ctxFrom: 4, ctxTo: 3 }, // find_vma(task, addr, cb, ctx, flags) -> cb(task, vma, ctx)
  209: { cbReg: 2, ctxFrom: 3, ctxTo: 2 }, // user_ringbuf_drain(map, cb, ctx, flags) -> cb(dynptr, ctx)
};
