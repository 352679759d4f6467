// BPF register numbers the verifier and the JITs name (include/linux/filter.h).

/** BPF_REG_CTX (R6): holds the context across LD_ABS/LD_IND. */
export const BPF_REG_CTX = 6;
/** BPF_REG_FP (R10): the read-only frame pointer. */
export const BPF_REG_FP = 10;
/** MAX_BPF_REG: R0..R10; no instruction of a loaded program names a register at or above it. */
export const MAX_BPF_REG = 11;
/** BPF_REG_AX (= MAX_BPF_REG): the verifier's scratch register for rewrites; x86-64 JITs it to r10. */
export const BPF_REG_AX = MAX_BPF_REG;
