// Offsets inside kernel structures that JITed code reads directly. Values are those of the
// Linux 6.18.44 x86-64 build whose JIT output is in ../shared/testdata (read off its bytes:
// `cmp dword [rsi+0x4c], edx`, `mov rcx, [rsi+rdx*8+0x138]`, `mov rcx, [rcx+0x48]`).
// The JIT emits them; the kernel model lays out guest memory with them. Both must agree.

/** offsetof(struct bpf_array, map.max_entries): encoded as disp8 by the x86 JIT. */
export const BPF_ARRAY_MAX_ENTRIES_OFF = 0x4c;
/** offsetof(struct bpf_array, ptrs) == offsetof(struct bpf_array, value): disp32. */
export const BPF_ARRAY_PTRS_OFF = 0x138;
/**
 * offsetof(struct htab_elem, key): the key follows the element header (hash node, LRU node,
 * hash), the value follows the key rounded up to 8; htab_map_gen_lookup adds both to the
 * element __htab_map_lookup_elem returns (`add rax, 0x38` for an 8-byte key in 6.18 bytes).
 */
export const HTAB_ELEM_KEY_OFF = 0x30;
/** offsetof(struct htab_elem, lru_node) + offsetof(struct bpf_lru_node, ref) (16 + 16 + 3). */
export const HTAB_ELEM_LRU_REF_OFF = 0x23;
/** offsetof(struct bpf_prog, bpf_func): disp8. */
export const BPF_PROG_BPF_FUNC_OFF = 0x48;
/** Size we reserve for a synthesized struct bpf_prog. */
export const BPF_PROG_STRUCT_SIZE = 0x100;

/** MAX_TAIL_CALL_CNT since 5.17 (33 tail calls; `jae` against 33). */
export const MAX_TAIL_CALL_CNT = 33;
/** Private stack guard word (v6.13+), written at both ends of each per-CPU area. */
export const PRIV_STACK_GUARD_VAL = 0xeb9f12345678eb9fn;
export const PRIV_STACK_GUARD_SZ = 8;
/**
 * offsetof(struct thread_info, cpu) on riscv64 (6.18: after flags, preempt_count, kernel_sp
 * and user_sp); tp points at the running task, whose thread_info is at offset 0.
 */
export const RV_THREAD_INFO_CPU_OFF = 32;
