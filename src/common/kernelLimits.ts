// Kernel limits the verifier, the JITs, the maps and the helpers enforce, each defined here
// once (include/linux/bpf.h, bpf_verifier.h, filter.h and arch/x86/net/bpf_jit_comp.c of
// Linux 6.18). Offsets inside kernel structures are in kernelStructs.ts.

/** MAX_BPF_STACK: a frame's stack, and the combined stack of a call chain. */
export const MAX_BPF_STACK = 512;
/** BPF_MAX_VAR_OFF (bpf_verifier.h): a pointer's variable offset must stay within +/- this. */
export const BPF_MAX_VAR_OFF = 1 << 29;
/**
 * MAX_CALL_FRAMES (include/linux/bpf_verifier.h): a static per-program limit. At run time
 * the interpreter enforces it per program running, counted from the frame it started in.
 */
export const MAX_CALL_FRAMES = 8;
/** BPF_MAX_LOOPS: bpf_loop's iteration limit and the may_goto counter's initial value. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;
/** BPF_COMPLEXITY_LIMIT_INSNS: instructions the verifier processes at most. */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** BPF_MAX_SUBPROGS */
export const BPF_MAX_SUBPROGS = 256;
/** BPF_MAX_TRAMP_LINKS on x86-64: fentry + fexit + fmod_ret programs per trampoline. */
export const BPF_MAX_TRAMP_LINKS = 38;
/** BPF_PRIV_STACK_MIN_SIZE: smaller frames stay on the kernel stack (adaptive mode). */
export const BPF_PRIV_STACK_MIN_SIZE = 64;
/** BPF_OBJ_NAME_LEN: object names (maps, programs) with their NUL. */
export const BPF_OBJ_NAME_LEN = 16;
/** BPF_MAX_INSN_SIZE (x86-64 JIT): no BPF insn may expand to more native bytes. */
export const BPF_MAX_INSN_SIZE = 128;
/** BPF_PROG_CHUNK_SIZE: bpf_prog_pack's allocation granularity for JITed images. */
export const BPF_PROG_CHUNK_SIZE = 64;
/** sizeof(struct bpf_dynptr) (uapi): the stack bytes a dynptr argument occupies. */
export const BPF_DYNPTR_SIZE = 16;
