// BPF opcode fields the RISC-V JIT switches on (include/uapi/linux/bpf*.h names).

export const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03,
  BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_JMP32 = 0x06, BPF_ALU64 = 0x07;
export const BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10, BPF_DW = 0x18;
export const BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60, BPF_MEMSX = 0x80,
  BPF_ATOMIC = 0xc0, BPF_NOSPEC = 0xc0;
/** Verifier-made modes: fault-tolerant loads, arena accesses. */
export const BPF_PROBE_MEM = 0x20, BPF_PROBE_MEMSX = 0x40, BPF_PROBE_MEM32 = 0xa0, BPF_PROBE_ATOMIC = 0xe0;
export const BPF_K = 0x00, BPF_X = 0x08;

export const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30, BPF_OR = 0x40,
  BPF_AND = 0x50, BPF_LSH = 0x60, BPF_RSH = 0x70, BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0,
  BPF_MOV = 0xb0, BPF_ARSH = 0xc0, BPF_END = 0xd0;
export const BPF_FROM_LE = 0x00, BPF_FROM_BE = 0x08;

export const BPF_JA = 0x00, BPF_CALL = 0x80, BPF_EXIT = 0x90, BPF_JCOND = 0xe0, BPF_TAIL_CALL = 0xf0;

/** Atomic imm values. */
export const BPF_FETCH = 0x01, BPF_XCHG = 0xe0 | BPF_FETCH, BPF_CMPXCHG = 0xf0 | BPF_FETCH,
  BPF_LOAD_ACQ = 0x100, BPF_STORE_REL = 0x110;

export const BPF_PSEUDO_MAP_FD = 1, BPF_PSEUDO_MAP_VALUE = 2, BPF_PSEUDO_BTF_ID = 3, BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_CALL = 1, BPF_PSEUDO_KFUNC_CALL = 2;
/** bpf_get_smp_processor_id */
export const BPF_FUNC_get_smp_processor_id = 8;

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;
