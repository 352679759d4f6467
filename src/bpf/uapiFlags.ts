// Flag values of the bpf(2) UAPI (include/uapi/linux/bpf.h) the object loader, the verifier
// model and the kernel model test. Update and timer flags are u64 helper arguments (bigint).

/** map_flags of BPF_MAP_CREATE. */
export const BPF_F_RDONLY_PROG = 0x80;
export const BPF_F_MMAPABLE = 0x400;
export const BPF_F_INNER_MAP = 1 << 12;

/** flags of bpf_map_update_elem. */
export const BPF_ANY = 0n;
export const BPF_NOEXIST = 1n;
export const BPF_EXIST = 2n;
export const BPF_F_LOCK = 4n;

/** flags of bpf_timer_start: an absolute expiry time. */
export const BPF_F_TIMER_ABS = 1n;
