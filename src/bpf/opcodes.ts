// BPF opcodes, rbpf-style: each named opcode is composed from class | size | mode (loads and
// stores) or class | op | source (ALU and jumps), with a one-line doc giving its assembly
// form and meaning. Encodings follow Documentation/bpf/standardization/instruction-set.rst
// (ISA v4) plus the kernel-internal TAIL_CALL (0xf5) that the verifier produces.
import { BPF_FUNC } from './helperIds.ts';
import type { Insn } from './insn.ts';

// ---- classes ----
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// ---- sizes / modes (LD, LDX, ST, STX) ----
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;
/** ST-class mode of the speculation barrier (shares its value with BPF_ATOMIC). */
export const BPF_NOSPEC = 0xc0;
/** Verifier-made modes: fault-tolerant loads (PROBE_MEM, PROBE_MEMSX), arena accesses (PROBE_MEM32, PROBE_ATOMIC). */
export const BPF_PROBE_MEM = 0x20;
export const BPF_PROBE_MEMSX = 0x40;
export const BPF_PROBE_MEM32 = 0xa0;
export const BPF_PROBE_ATOMIC = 0xe0;

// ---- source ----
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;
/** The byte-swap source bit by its kernel-internal names. */
export const BPF_FROM_LE = BPF_TO_LE;
export const BPF_FROM_BE = BPF_TO_BE;

// ---- ALU ops ----
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// ---- JMP ops ----
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
export const BPF_JCOND = 0xe0;
/** Kernel-internal: the verifier turns `call 12` (bpf_tail_call) into JMP|TAIL_CALL. */
export const BPF_TAIL_CALL = 0xf0;

// ---- atomic operations (imm of STX|ATOMIC) ----
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

// ---- ALU64 MOV off values ----
/** `rD = addr_space_cast(rS, dst_as, src_as)`: arena pointer casts (the address spaces are in imm). */
export const BPF_ADDR_SPACE_CAST = 1;
/** Verifier-made: `rD = this_cpu_ptr(rS)` (BPF_ADDR_PERCPU, internal). */
export const BPF_ADDR_PERCPU = -1;

// ---- pseudo src_reg values ----
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

/** Helper id of bpf_tail_call (UAPI `BPF_FUNC_tail_call`). */
export const BPF_FUNC_tail_call = BPF_FUNC.tail_call;

// ---------------------------------------------------------------------------------------
// Named opcodes. Order: LD, LDX, ST, STX, ALU, ALU64, JMP, JMP32 (consumers switch in it).

/** `rD = imm64 ll` — load 64-bit immediate (two slots; src_reg selects a pseudo form). */
export const LD_DW_IMM = BPF_LD | BPF_IMM | BPF_DW; // 0x18
/** `r0 = *(u8 *)skb[imm]` — legacy packet load, absolute. */
export const LD_ABS_B = BPF_LD | BPF_ABS | BPF_B; // 0x30
/** `r0 = *(u16 *)skb[imm]` — legacy packet load (big-endian), absolute. */
export const LD_ABS_H = BPF_LD | BPF_ABS | BPF_H; // 0x28
/** `r0 = *(u32 *)skb[imm]` — legacy packet load (big-endian), absolute. */
export const LD_ABS_W = BPF_LD | BPF_ABS | BPF_W; // 0x20
/** `r0 = *(u8 *)skb[rS + imm]` — legacy packet load, indirect. */
export const LD_IND_B = BPF_LD | BPF_IND | BPF_B; // 0x50
/** `r0 = *(u16 *)skb[rS + imm]` — legacy packet load (big-endian), indirect. */
export const LD_IND_H = BPF_LD | BPF_IND | BPF_H; // 0x48
/** `r0 = *(u32 *)skb[rS + imm]` — legacy packet load (big-endian), indirect. */
export const LD_IND_W = BPF_LD | BPF_IND | BPF_W; // 0x40

/** `rD = *(u8 *)(rS + off)` — zero-extending load. */
export const LDXB = BPF_LDX | BPF_MEM | BPF_B; // 0x71
/** `rD = *(u16 *)(rS + off)` */
export const LDXH = BPF_LDX | BPF_MEM | BPF_H; // 0x69
/** `rD = *(u32 *)(rS + off)` */
export const LDXW = BPF_LDX | BPF_MEM | BPF_W; // 0x61
/** `rD = *(u64 *)(rS + off)` */
export const LDXDW = BPF_LDX | BPF_MEM | BPF_DW; // 0x79
/** `rD = *(s8 *)(rS + off)` — sign-extending load to 64 bits (v4). */
export const LDXSB = BPF_LDX | BPF_MEMSX | BPF_B; // 0x91
/** `rD = *(s16 *)(rS + off)` (v4) */
export const LDXSH = BPF_LDX | BPF_MEMSX | BPF_H; // 0x89
/** `rD = *(s32 *)(rS + off)` (v4) */
export const LDXSW = BPF_LDX | BPF_MEMSX | BPF_W; // 0x81

/** `*(u8 *)(rD + off) = imm` */
export const ST_B_IMM = BPF_ST | BPF_MEM | BPF_B; // 0x72
/** `*(u16 *)(rD + off) = imm` */
export const ST_H_IMM = BPF_ST | BPF_MEM | BPF_H; // 0x6a
/** `*(u32 *)(rD + off) = imm` */
export const ST_W_IMM = BPF_ST | BPF_MEM | BPF_W; // 0x62
/** `*(u64 *)(rD + off) = imm` — imm sign-extended. */
export const ST_DW_IMM = BPF_ST | BPF_MEM | BPF_DW; // 0x7a

/** `*(u8 *)(rD + off) = rS` */
export const STXB = BPF_STX | BPF_MEM | BPF_B; // 0x73
/** `*(u16 *)(rD + off) = rS` */
export const STXH = BPF_STX | BPF_MEM | BPF_H; // 0x6b
/** `*(u32 *)(rD + off) = rS` */
export const STXW = BPF_STX | BPF_MEM | BPF_W; // 0x63
/** `*(u64 *)(rD + off) = rS` */
export const STXDW = BPF_STX | BPF_MEM | BPF_DW; // 0x7b
/** 32-bit atomic on `*(u32 *)(rD + off)`, operation in imm (add/or/and/xor ±fetch, xchg, cmpxchg). */
export const ATOMIC_W = BPF_STX | BPF_ATOMIC | BPF_W; // 0xc3
/** 64-bit atomic on `*(u64 *)(rD + off)`, operation in imm. */
export const ATOMIC_DW = BPF_STX | BPF_ATOMIC | BPF_DW; // 0xdb
/** 8-bit load-acquire / store-release only (v6.15+). */
export const ATOMIC_B = BPF_STX | BPF_ATOMIC | BPF_B; // 0xd3
/** 16-bit load-acquire / store-release only (v6.15+). */
export const ATOMIC_H = BPF_STX | BPF_ATOMIC | BPF_H; // 0xcb

/** `wD += imm` */ export const ADD32_IMM = BPF_ALU | BPF_K | BPF_ADD; // 0x04
/** `wD += wS` */ export const ADD32_REG = BPF_ALU | BPF_X | BPF_ADD; // 0x0c
/** `wD -= imm` */ export const SUB32_IMM = BPF_ALU | BPF_K | BPF_SUB; // 0x14
/** `wD -= wS` */ export const SUB32_REG = BPF_ALU | BPF_X | BPF_SUB; // 0x1c
/** `wD *= imm` */ export const MUL32_IMM = BPF_ALU | BPF_K | BPF_MUL; // 0x24
/** `wD *= wS` */ export const MUL32_REG = BPF_ALU | BPF_X | BPF_MUL; // 0x2c
/** `wD /= imm` (off=1: `wD s/= imm`) — by 0 gives 0. */ export const DIV32_IMM = BPF_ALU | BPF_K | BPF_DIV; // 0x34
/** `wD /= wS` (off=1: signed) */ export const DIV32_REG = BPF_ALU | BPF_X | BPF_DIV; // 0x3c
/** `wD |= imm` */ export const OR32_IMM = BPF_ALU | BPF_K | BPF_OR; // 0x44
/** `wD |= wS` */ export const OR32_REG = BPF_ALU | BPF_X | BPF_OR; // 0x4c
/** `wD &= imm` */ export const AND32_IMM = BPF_ALU | BPF_K | BPF_AND; // 0x54
/** `wD &= wS` */ export const AND32_REG = BPF_ALU | BPF_X | BPF_AND; // 0x5c
/** `wD <<= imm` (count & 31) */ export const LSH32_IMM = BPF_ALU | BPF_K | BPF_LSH; // 0x64
/** `wD <<= wS` */ export const LSH32_REG = BPF_ALU | BPF_X | BPF_LSH; // 0x6c
/** `wD >>= imm` logical */ export const RSH32_IMM = BPF_ALU | BPF_K | BPF_RSH; // 0x74
/** `wD >>= wS` */ export const RSH32_REG = BPF_ALU | BPF_X | BPF_RSH; // 0x7c
/** `wD = -wD` */ export const NEG32 = BPF_ALU | BPF_K | BPF_NEG; // 0x84
/** `wD %= imm` (off=1: `s%=`) — by 0 leaves wD. */ export const MOD32_IMM = BPF_ALU | BPF_K | BPF_MOD; // 0x94
/** `wD %= wS` */ export const MOD32_REG = BPF_ALU | BPF_X | BPF_MOD; // 0x9c
/** `wD ^= imm` */ export const XOR32_IMM = BPF_ALU | BPF_K | BPF_XOR; // 0xa4
/** `wD ^= wS` */ export const XOR32_REG = BPF_ALU | BPF_X | BPF_XOR; // 0xac
/** `wD = imm` */ export const MOV32_IMM = BPF_ALU | BPF_K | BPF_MOV; // 0xb4
/** `wD = wS` (off 8/16: `wD = (s8)wS`, MOVSX v4) */ export const MOV32_REG = BPF_ALU | BPF_X | BPF_MOV; // 0xbc
/** `wD s>>= imm` */ export const ARSH32_IMM = BPF_ALU | BPF_K | BPF_ARSH; // 0xc4
/** `wD s>>= wS` */ export const ARSH32_REG = BPF_ALU | BPF_X | BPF_ARSH; // 0xcc
/** `rD = le16/32/64 rD` — to little-endian (no-op swap on LE hosts, truncates). */
export const LE = BPF_ALU | BPF_END | BPF_TO_LE; // 0xd4
/** `rD = be16/32/64 rD` — to big-endian (byte swap on LE hosts, truncates). */
export const BE = BPF_ALU | BPF_END | BPF_TO_BE; // 0xdc

/** `rD += imm` */ export const ADD64_IMM = BPF_ALU64 | BPF_K | BPF_ADD; // 0x07
/** `rD += rS` */ export const ADD64_REG = BPF_ALU64 | BPF_X | BPF_ADD; // 0x0f
/** `rD -= imm` */ export const SUB64_IMM = BPF_ALU64 | BPF_K | BPF_SUB; // 0x17
/** `rD -= rS` */ export const SUB64_REG = BPF_ALU64 | BPF_X | BPF_SUB; // 0x1f
/** `rD *= imm` */ export const MUL64_IMM = BPF_ALU64 | BPF_K | BPF_MUL; // 0x27
/** `rD *= rS` */ export const MUL64_REG = BPF_ALU64 | BPF_X | BPF_MUL; // 0x2f
/** `rD /= imm` (off=1: `rD s/= imm`) */ export const DIV64_IMM = BPF_ALU64 | BPF_K | BPF_DIV; // 0x37
/** `rD /= rS` (off=1: signed) */ export const DIV64_REG = BPF_ALU64 | BPF_X | BPF_DIV; // 0x3f
/** `rD |= imm` */ export const OR64_IMM = BPF_ALU64 | BPF_K | BPF_OR; // 0x47
/** `rD |= rS` */ export const OR64_REG = BPF_ALU64 | BPF_X | BPF_OR; // 0x4f
/** `rD &= imm` */ export const AND64_IMM = BPF_ALU64 | BPF_K | BPF_AND; // 0x57
/** `rD &= rS` */ export const AND64_REG = BPF_ALU64 | BPF_X | BPF_AND; // 0x5f
/** `rD <<= imm` (count & 63) */ export const LSH64_IMM = BPF_ALU64 | BPF_K | BPF_LSH; // 0x67
/** `rD <<= rS` */ export const LSH64_REG = BPF_ALU64 | BPF_X | BPF_LSH; // 0x6f
/** `rD >>= imm` logical */ export const RSH64_IMM = BPF_ALU64 | BPF_K | BPF_RSH; // 0x77
/** `rD >>= rS` */ export const RSH64_REG = BPF_ALU64 | BPF_X | BPF_RSH; // 0x7f
/** `rD = -rD` */ export const NEG64 = BPF_ALU64 | BPF_K | BPF_NEG; // 0x87
/** `rD %= imm` (off=1: `s%=`) */ export const MOD64_IMM = BPF_ALU64 | BPF_K | BPF_MOD; // 0x97
/** `rD %= rS` */ export const MOD64_REG = BPF_ALU64 | BPF_X | BPF_MOD; // 0x9f
/** `rD ^= imm` */ export const XOR64_IMM = BPF_ALU64 | BPF_K | BPF_XOR; // 0xa7
/** `rD ^= rS` */ export const XOR64_REG = BPF_ALU64 | BPF_X | BPF_XOR; // 0xaf
/** `rD = imm` (sign-extended) */ export const MOV64_IMM = BPF_ALU64 | BPF_K | BPF_MOV; // 0xb7
/** `rD = rS` (off 8/16/32: `rD = (s8)rS`, MOVSX v4) */ export const MOV64_REG = BPF_ALU64 | BPF_X | BPF_MOV; // 0xbf
/** `rD s>>= imm` */ export const ARSH64_IMM = BPF_ALU64 | BPF_K | BPF_ARSH; // 0xc7
/** `rD s>>= rS` */ export const ARSH64_REG = BPF_ALU64 | BPF_X | BPF_ARSH; // 0xcf
/** `rD = bswap16/32/64 rD` — unconditional byte swap (v4). */
export const BSWAP = BPF_ALU64 | BPF_END | BPF_TO_LE; // 0xd7

/** `goto +off` */ export const JA = BPF_JMP | BPF_JA; // 0x05
/** `if rD == imm goto +off` */ export const JEQ_IMM = BPF_JMP | BPF_K | BPF_JEQ; // 0x15
/** `if rD == rS goto +off` */ export const JEQ_REG = BPF_JMP | BPF_X | BPF_JEQ; // 0x1d
/** `if rD > imm goto +off` (unsigned) */ export const JGT_IMM = BPF_JMP | BPF_K | BPF_JGT; // 0x25
/** `if rD > rS goto +off` */ export const JGT_REG = BPF_JMP | BPF_X | BPF_JGT; // 0x2d
/** `if rD >= imm goto +off` */ export const JGE_IMM = BPF_JMP | BPF_K | BPF_JGE; // 0x35
/** `if rD >= rS goto +off` */ export const JGE_REG = BPF_JMP | BPF_X | BPF_JGE; // 0x3d
/** `if rD & imm goto +off` */ export const JSET_IMM = BPF_JMP | BPF_K | BPF_JSET; // 0x45
/** `if rD & rS goto +off` */ export const JSET_REG = BPF_JMP | BPF_X | BPF_JSET; // 0x4d
/** `if rD != imm goto +off` */ export const JNE_IMM = BPF_JMP | BPF_K | BPF_JNE; // 0x55
/** `if rD != rS goto +off` */ export const JNE_REG = BPF_JMP | BPF_X | BPF_JNE; // 0x5d
/** `if rD s> imm goto +off` */ export const JSGT_IMM = BPF_JMP | BPF_K | BPF_JSGT; // 0x65
/** `if rD s> rS goto +off` */ export const JSGT_REG = BPF_JMP | BPF_X | BPF_JSGT; // 0x6d
/** `if rD s>= imm goto +off` */ export const JSGE_IMM = BPF_JMP | BPF_K | BPF_JSGE; // 0x75
/** `if rD s>= rS goto +off` */ export const JSGE_REG = BPF_JMP | BPF_X | BPF_JSGE; // 0x7d
/** `call imm` — helper (src 0), bpf2bpf `call pc+imm` (src 1), kfunc (src 2). */
export const CALL = BPF_JMP | BPF_CALL; // 0x85
/** `exit` — return r0 to the caller. */
export const EXIT = BPF_JMP | BPF_EXIT; // 0x95
/** `if rD < imm goto +off` */ export const JLT_IMM = BPF_JMP | BPF_K | BPF_JLT; // 0xa5
/** `if rD < rS goto +off` */ export const JLT_REG = BPF_JMP | BPF_X | BPF_JLT; // 0xad
/** `if rD <= imm goto +off` */ export const JLE_IMM = BPF_JMP | BPF_K | BPF_JLE; // 0xb5
/** `if rD <= rS goto +off` */ export const JLE_REG = BPF_JMP | BPF_X | BPF_JLE; // 0xbd
/** `if rD s< imm goto +off` */ export const JSLT_IMM = BPF_JMP | BPF_K | BPF_JSLT; // 0xc5
/** `if rD s< rS goto +off` */ export const JSLT_REG = BPF_JMP | BPF_X | BPF_JSLT; // 0xcd
/** `if rD s<= imm goto +off` */ export const JSLE_IMM = BPF_JMP | BPF_K | BPF_JSLE; // 0xd5
/** `if rD s<= rS goto +off` */ export const JSLE_REG = BPF_JMP | BPF_X | BPF_JSLE; // 0xdd
/** `may_goto +off` — JCOND, src 0 (v6.9+; bounded-loop escape). */
export const JCOND = BPF_JMP | BPF_JCOND; // 0xe5
/** `tail_call` — kernel-internal (xlated); imm = poke index + 1 (direct) or 0 (indirect). */
export const TAIL_CALL = BPF_JMP | BPF_TAIL_CALL; // 0xf5

/** `gotol +imm` — JMP32|JA, 32-bit offset in imm (v4). */
export const JA32 = BPF_JMP32 | BPF_JA; // 0x06
/** `if wD == imm goto +off` */ export const JEQ_IMM32 = BPF_JMP32 | BPF_K | BPF_JEQ; // 0x16
/** `if wD == wS goto +off` */ export const JEQ_REG32 = BPF_JMP32 | BPF_X | BPF_JEQ; // 0x1e
/** `if wD > imm goto +off` */ export const JGT_IMM32 = BPF_JMP32 | BPF_K | BPF_JGT; // 0x26
/** `if wD > wS goto +off` */ export const JGT_REG32 = BPF_JMP32 | BPF_X | BPF_JGT; // 0x2e
/** `if wD >= imm goto +off` */ export const JGE_IMM32 = BPF_JMP32 | BPF_K | BPF_JGE; // 0x36
/** `if wD >= wS goto +off` */ export const JGE_REG32 = BPF_JMP32 | BPF_X | BPF_JGE; // 0x3e
/** `if wD & imm goto +off` */ export const JSET_IMM32 = BPF_JMP32 | BPF_K | BPF_JSET; // 0x46
/** `if wD & wS goto +off` */ export const JSET_REG32 = BPF_JMP32 | BPF_X | BPF_JSET; // 0x4e
/** `if wD != imm goto +off` */ export const JNE_IMM32 = BPF_JMP32 | BPF_K | BPF_JNE; // 0x56
/** `if wD != wS goto +off` */ export const JNE_REG32 = BPF_JMP32 | BPF_X | BPF_JNE; // 0x5e
/** `if wD s> imm goto +off` */ export const JSGT_IMM32 = BPF_JMP32 | BPF_K | BPF_JSGT; // 0x66
/** `if wD s> wS goto +off` */ export const JSGT_REG32 = BPF_JMP32 | BPF_X | BPF_JSGT; // 0x6e
/** `if wD s>= imm goto +off` */ export const JSGE_IMM32 = BPF_JMP32 | BPF_K | BPF_JSGE; // 0x76
/** `if wD s>= wS goto +off` */ export const JSGE_REG32 = BPF_JMP32 | BPF_X | BPF_JSGE; // 0x7e
/** `if wD < imm goto +off` */ export const JLT_IMM32 = BPF_JMP32 | BPF_K | BPF_JLT; // 0xa6
/** `if wD < wS goto +off` */ export const JLT_REG32 = BPF_JMP32 | BPF_X | BPF_JLT; // 0xae
/** `if wD <= imm goto +off` */ export const JLE_IMM32 = BPF_JMP32 | BPF_K | BPF_JLE; // 0xb6
/** `if wD <= wS goto +off` */ export const JLE_REG32 = BPF_JMP32 | BPF_X | BPF_JLE; // 0xbe
/** `if wD s< imm goto +off` */ export const JSLT_IMM32 = BPF_JMP32 | BPF_K | BPF_JSLT; // 0xc6
/** `if wD s< wS goto +off` */ export const JSLT_REG32 = BPF_JMP32 | BPF_X | BPF_JSLT; // 0xce
/** `if wD s<= imm goto +off` */ export const JSLE_IMM32 = BPF_JMP32 | BPF_K | BPF_JSLE; // 0xd6
/** `if wD s<= wS goto +off` */ export const JSLE_REG32 = BPF_JMP32 | BPF_X | BPF_JSLE; // 0xde

// ---------------------------------------------------------------------------------------
// Field accessors and predicates.

export const insnClass = (code: number): number => code & 0x07;
export const aluOp = (code: number): number => code & 0xf0;
export const jmpOp = (code: number): number => code & 0xf0;
export const srcBit = (code: number): number => code & 0x08;
export const memSize = (code: number): number => code & 0x18;
export const memMode = (code: number): number => code & 0xe0;

/** Bytes moved by a load/store of this size field. */
export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

export const isAlu = (code: number): boolean => insnClass(code) === BPF_ALU || insnClass(code) === BPF_ALU64;
export const isJmpClass = (code: number): boolean => insnClass(code) === BPF_JMP || insnClass(code) === BPF_JMP32;
/** Conditional jump (JMP/JMP32 with a compare op). */
export function isCondJump(code: number): boolean {
  if (!isJmpClass(code)) return false;
  const op = jmpOp(code);
  return op !== BPF_JA && op !== BPF_CALL && op !== BPF_EXIT && op !== BPF_TAIL_CALL && op !== BPF_JCOND;
}
/** Any instruction whose `off` (or imm for gotol) is a pc-relative branch target. */
export const isBranch = (code: number): boolean => isCondJump(code) || code === JA || code === JA32 || code === JCOND;
export const isCall = (i: Insn): boolean => i.code === CALL;
export const isHelperCall = (i: Insn): boolean => i.code === CALL && i.src === 0;
export const isPseudoCall = (i: Insn): boolean => i.code === CALL && i.src === BPF_PSEUDO_CALL;
export const isKfuncCall = (i: Insn): boolean => i.code === CALL && i.src === BPF_PSEUDO_KFUNC_CALL;
export const isExit = (i: Insn): boolean => i.code === EXIT;
export const isTailCall = (i: Insn): boolean => i.code === TAIL_CALL;
export const isPseudoFunc = (i: Insn): boolean => i.code === LD_DW_IMM && i.src === BPF_PSEUDO_FUNC;
export const isLdAbsInd = (code: number): boolean => insnClass(code) === BPF_LD && (memMode(code) === BPF_ABS || memMode(code) === BPF_IND);

/** Branch target index of a jump at `pc` (gotol uses imm). */
export function branchTarget(pc: number, i: Insn): number {
  return i.code === JA32 ? pc + i.imm + 1 : pc + i.off + 1;
}

/**
 * The field holding an instruction's pc-relative target, as the kernel's bpf_adj_branches
 * reads it when insns are inserted or removed: `imm` for bpf2bpf calls, PSEUDO_FUNC loads
 * and gotol, `off` for every other JMP/JMP32 op but EXIT and non-bpf2bpf CALLs; null
 * when the instruction has no such target.
 */
export function pcRelField(i: Insn): 'off' | 'imm' | null {
  if (isPseudoFunc(i)) return 'imm';
  if (!isJmpClass(i.code)) return null;
  const op = jmpOp(i.code);
  if (op === BPF_EXIT) return null;
  if (op === BPF_CALL) return isPseudoCall(i) ? 'imm' : null;
  return i.code === JA32 ? 'imm' : 'off';
}

/** Callee index of a bpf2bpf call or PSEUDO_FUNC load at `pc`. */
export const calleeTarget = (pc: number, i: Insn): number => pc + i.imm + 1;

/** Number of slots this instruction occupies (LD_IMM64 takes two). */
export const insnSlots = (i: Insn): 1 | 2 => (i.code === LD_DW_IMM ? 2 : 1);
