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
  11: [[2, 3, true]], // skb_get_tunnel_key
  16: [[1, 2, true]], // get_current_comm
  21: [[2, 3, false]], // skb_set_tunnel_key
  25: [[4, 5, false]], // perf_event_output
  26: [[3, 4, true]], // skb_load_bytes
  28: [
    [1, 2, false],
    [3, 4, false],
  ], // csum_diff
  29: [[2, 3, true]], // skb_get_tunnel_opt
  30: [[2, 3, false]], // skb_set_tunnel_opt
  36: [[2, 3, false]], // probe_write_user
  39: [[3, 4, true]], // skb_get_xfrm_state
  45: [[1, 2, true]], // probe_read_str
  49: [[4, 5, false]], // setsockopt
  55: [[3, 4, true]], // perf_event_read_value
  56: [[2, 3, true]], // perf_prog_read_value
  57: [[4, 5, true]], // getsockopt
  67: [[2, 3, true]], // get_stack
  68: [[3, 4, true]], // skb_load_bytes_relative
  69: [[2, 3, true]], // fib_lookup
  73: [[3, 4, false]], // lwt_push_encap
  74: [[3, 4, false]], // lwt_seg6_store_bytes
  76: [[3, 4, false]], // lwt_seg6_action
  84: [[2, 3, false]], // sk_lookup_tcp
  85: [[2, 3, false]], // sk_lookup_udp
  99: [[2, 3, false]], // skc_lookup_tcp
  100: [
    [2, 3, false],
    [4, 5, false],
  ], // tcp_check_syncookie
  101: [[2, 3, true]], // sysctl_get_name
  102: [[2, 3, true]], // sysctl_get_current_value
  103: [[2, 3, true]], // sysctl_get_new_value
  104: [[2, 3, false]], // sysctl_set_new_value
  105: [[1, 2, false]], // strtol
  106: [[1, 2, false]], // strtoul
  110: [
    [2, 3, false],
    [4, 5, false],
  ], // tcp_gen_syncookie
  112: [[1, 2, true]], // probe_read_user
  113: [[1, 2, true]], // probe_read_kernel
  114: [[1, 2, true]], // probe_read_user_str
  115: [[1, 2, true]], // probe_read_kernel_str
  119: [[2, 3, true]], // read_branch_records
  120: [[3, 4, true]], // get_ns_current_pid_tgid
  121: [[4, 5, false]], // xdp_output
  126: [
    [2, 3, false],
    [4, 5, false],
  ], // seq_printf
  127: [[2, 3, false]], // seq_write
  130: [[2, 3, false]], // ringbuf_output
  136: [[2, 3, true]], // ima_inode_hash
  141: [[2, 3, true]], // get_task_stack
  142: [[2, 3, true]], // load_hdr_opt
  143: [[2, 3, false]], // store_hdr_opt
  147: [[2, 3, true]], // d_path
  148: [[1, 2, true]], // copy_from_user
  149: [
    [1, 2, true],
    [3, 4, false],
  ], // snprintf_btf
  150: [[2, 3, false]], // seq_printf_btf
  165: [
    [1, 2, true],
    [4, 5, false],
  ], // snprintf
  166: [[2, 3, false]], // sys_bpf
  167: [[1, 2, false]], // btf_find_by_name_kind
  177: [
    [1, 2, false],
    [3, 4, false],
  ], // trace_vprintk
  179: [[1, 2, false]], // kallsyms_lookup_name
  182: [[1, 2, false]], // strncmp
  189: [[3, 4, true]], // xdp_load_bytes
  190: [[3, 4, false]], // xdp_store_bytes
  191: [[1, 2, true]], // copy_from_user_task
  193: [[2, 3, true]], // ima_file_hash
  197: [[1, 2, false]], // dynptr_from_mem
  201: [[1, 2, true]], // dynptr_read
  202: [[3, 4, false]], // dynptr_write
  204: [[2, 3, false]], // tcp_raw_gen_syncookie_ipv4
  205: [[2, 3, false]], // tcp_raw_gen_syncookie_ipv6
};

/** ARG_PTR_TO_FIXED_SIZE_MEM (and the older ARG_PTR_TO_LONG): [pointer reg, bytes]. */
export const FIXED_MEM_ARGS: Record<number, [number, number][]> = {
  105: [[4, 8]], // strtol's *res
  106: [[4, 8]], // strtoul's *res
  179: [[4, 8]], // kallsyms_lookup_name's *res
  183: [[3, 8]], // get_func_arg's *value
  184: [[2, 8]], // get_func_ret's *value
  204: [[1, 20]], // tcp_raw_gen_syncookie_ipv4's struct iphdr
  205: [[1, 40]], // tcp_raw_gen_syncookie_ipv6's struct ipv6hdr
  206: [
    [1, 20],
    [2, 20],
  ], // tcp_raw_check_syncookie_ipv4(iph, th)
  207: [
    [1, 40],
    [2, 20],
  ], // tcp_raw_check_syncookie_ipv6(iph, th)
};

/**
 * ARG_PTR_TO_DYNPTR | MEM_UNINIT: the helper initialises a dynptr there, and
 * process_dynptr_func checks all BPF_DYNPTR_SIZE (16) bytes as written.
 */
export const UNINIT_DYNPTR_ARGS: Record<number, number> = {
  197: 4, // dynptr_from_mem(data, size, flags, ptr)
  198: 4, // ringbuf_reserve_dynptr(ringbuf, size, flags, ptr)
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
