// The guest address space every engine uses (the interpreter too, so pointers a
// program sees are the same whichever engine runs it). Kernel-like addresses: code in
// the module/BPF text area, maps in the direct map, vmalloc'ed array values, per-CPU
// areas reached through the gs base.

export const PAGE_SIZE = 0x1000;

/** JIT images (BPF prog pack area). Each program gets TEXT_SLOT bytes. */
export const TEXT_BASE = 0xffffffffc0000000n;
export const TEXT_SLOT = 0x100000n;

/** Helper trap page: helper id N lives at HELPER_BASE + N * HELPER_STRIDE. Within ±2 GiB of text. */
export const HELPER_BASE = 0xffffffff81000000n;
export const HELPER_STRIDE = 0x10n;
/** __bpf_call_base (helper `imm` in xlated insns is relative to it, as in the kernel). */
export const BPF_CALL_BASE = 0xffffffff81000000n;
/** Return thunk and indirect-branch thunks (retpoline stand-ins) on their own page. */
export const THUNK_BASE = 0xffffffff82000000n;
export const X86_RETURN_THUNK = THUNK_BASE; // __x86_return_thunk: `ret`
export const X86_INDIRECT_THUNK_RCX = THUNK_BASE + 0x20n; // __x86_indirect_thunk_rcx: `jmp rcx`
/** kfunc trap area: kernel symbol with vmlinux BTF id N at KFUNC_BASE + N * HELPER_STRIDE (kallsyms.ts). */
export const KFUNC_BASE = 0xffffffff83000000n;

/** struct bpf_map / bpf_array objects (direct map). */
export const MAP_STRUCT_BASE = 0xffff888100000000n;
/** Map value storage (vmalloc area), 1 MiB-aligned per map. */
export const MAP_VALUE_BASE = 0xffffc90000000000n;
/** struct bpf_prog objects (bpf_func at BPF_PROG_BPF_FUNC_OFF). */
export const PROG_STRUCT_BASE = 0xffff888200000000n;

/** ctx (struct sk_buff / xdp_buff / raw ctx) and packet data. */
export const CTX_BASE = 0xffff888300000000n;
export const PACKET_BASE = 0xffff888300100000n;

/** btf_struct_meta objects of program BTF types (kmalloc'ed, direct map): STRUCT_META_BASE + type id * stride. */
export const STRUCT_META_BASE = 0xffff888500000000n;
export const STRUCT_META_STRIDE = 0x40n;

/** Per-CPU kernel stacks: 16 KiB each; the stack grows down from top. */
export const KSTACK_BASE = 0xffffc90010000000n;
export const KSTACK_SIZE = 0x4000n;

/** Per-CPU area (gs base); this_cpu_off lives at PERCPU_BASE + THIS_CPU_OFF. */
export const PERCPU_BASE = 0xffff888400000000n;
export const PERCPU_CPU_STRIDE = 0x100000n;
/** Address of the per-CPU variable `this_cpu_off` as encoded in `gs:[disp32]` (absolute disp32). */
export const THIS_CPU_OFF_ADDR = 0x1f0e8n;

/** Return-address sentinel: a page of `hlt`; a program returning here has finished. */
export const SENTINEL_ADDR = 0xffffffff84000000n;
/**
 * bpf_loop's loop as guest code (machine/loopTrampoline.ts): an uncounted run goes on here
 * instead of returning from the helper trap, so callbacks need no host round trip.
 */
export const CALLBACK_LOOP_ADDR = 0xffffffff85000000n;

export const NR_CPUS = 2;

/**
 * Link address of the static per-CPU variable `cpu_number`. In 6.18 x86-64 per-CPU symbols are
 * kernel-image addresses (the corpus bytes load `mov rax, 0xffffffff838fe034`), so
 * `(u32)&cpu_number` sign-extends back to it. CPU c's copy is at
 * CPU_NUMBER_ADDR + this_cpu_off(c), which the inlined bpf_get_smp_processor_id reads.
 */
export const CPU_NUMBER_ADDR = 0xffffffff86000034n;
/** `__per_cpu_offset[NR_CPUS]` (RISC-V's per-CPU MOV indexes it; within ±2 GiB of the JIT text for emit_addr). */
export const PER_CPU_OFFSET_ADDR = 0xffffffff86001000n;
/** The task each CPU runs (RISC-V: tp points at it, thread_info first), THREAD_INFO_STRIDE apart. */
export const THREAD_INFO_BASE = 0xffff888600000000n;
export const THREAD_INFO_STRIDE = 0x1000n;
