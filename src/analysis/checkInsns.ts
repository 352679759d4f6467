// Per-instruction sanity checks the verifier makes before (resolve_pseudo_ldimm64:
// "unknown opcode", "invalid bpf_ld_imm64 insn") and during (check_reg_arg: "R%d is
// invalid", "frame pointer is read only") symbolic execution. bpfdbg runs them in one
// linear pass: the first failure is reported, as the kernel stops at its first error.
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX } from '../bpf/opcodes.ts';
import { BPF_END, BPF_NEG, BPF_JA, BPF_CALL, BPF_EXIT, BPF_JCOND, BPF_X, insnClass, aluOp, jmpOp, srcBit, memMode, BPF_MEM } from '../bpf/opcodes.ts';
import { BPF_MEMSX, BPF_ATOMIC, BPF_ABS, BPF_IND, BPF_IMM, BPF_DW, memSize, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_FUNC } from '../bpf/opcodes.ts';
import { BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_K, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_DIV, BPF_MOD } from '../bpf/opcodes.ts';
import { isHelperCall } from '../bpf/opcodes.ts';
import { HELPER_NAMES } from '../bpf/helperIds.ts';
import * as E from './errors.ts';
import { BPF_REG_FP, MAX_BPF_REG } from '../bpf/registers.ts';

/** bpf_opcode_in_insntable(): is `code` an opcode of the BPF ISA (v4) the kernel accepts? */
export function opcodeKnown(code: number): boolean {
  const cls = insnClass(code);
  switch (cls) {
    case BPF_LD:
      if (code === (BPF_LD | BPF_IMM | BPF_DW)) return true;
      return (memMode(code) === BPF_ABS || memMode(code) === BPF_IND) && memSize(code) !== BPF_DW;
    case BPF_LDX:
      if (memMode(code) === BPF_MEM) return true;
      return memMode(code) === BPF_MEMSX && memSize(code) !== BPF_DW;
    case BPF_ST:
      return memMode(code) === BPF_MEM;
    case BPF_STX:
      if (memMode(code) === BPF_MEM) return true;
      return memMode(code) === BPF_ATOMIC;
    case BPF_ALU:
    case BPF_ALU64: {
      const op = aluOp(code);
      if (op === BPF_END) return cls === BPF_ALU || srcBit(code) === 0;
      if (op === BPF_NEG) return srcBit(code) === 0;
      return op <= 0xc0;
    }
    case BPF_JMP:
    case BPF_JMP32: {
      const op = jmpOp(code);
      if (op === BPF_JA) return srcBit(code) === 0;
      if (op === BPF_CALL || op === BPF_EXIT) return cls === BPF_JMP && srcBit(code) === 0;
      if (op === BPF_JCOND) return cls === BPF_JMP && srcBit(code) === 0;
      if (op === 0xf0) return false; // TAIL_CALL is kernel-internal, never accepted from user space
      return true;
    }
  }
  return false;
}

const validPseudo = new Set([0, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE]);

/** Opcode, LD_IMM64 pairing and register-number checks. */
export function checkInsns(w: E.ProgWhere, insns: readonly Insn[]): Diag | undefined {
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i]!;
    if (ins.code === (BPF_LD | BPF_IMM | BPF_DW)) {
      const next = insns[i + 1];
      if (!next || next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) return E.badLdImm64(w, i);
      if (!validPseudo.has(ins.src)) return E.badLdImm64(w, i);
      if (ins.dst >= MAX_BPF_REG) return E.badRegister(w, i, ins.dst);
      if (ins.dst === BPF_REG_FP) return E.fpReadOnly(w, i);
      i++;
      continue;
    }
    if (!opcodeKnown(ins.code)) return E.unknownOpcode(w, i, ins.code);
    const r = checkRegs(w, i, ins);
    if (r) return r;
  }
  return undefined;
}

function checkRegs(w: E.ProgWhere, i: number, ins: Insn): Diag | undefined {
  const cls = insnClass(ins.code);
  const usesSrc =
    cls === BPF_LDX ||
    cls === BPF_STX ||
    ((cls === BPF_ALU || cls === BPF_ALU64) && srcBit(ins.code) === BPF_X && aluOp(ins.code) !== BPF_END) ||
    ((cls === BPF_JMP || cls === BPF_JMP32) && srcBit(ins.code) === BPF_X) ||
    (cls === BPF_LD && memMode(ins.code) === BPF_IND);
  const isCallOrExit = cls === BPF_JMP && (jmpOp(ins.code) === BPF_CALL || jmpOp(ins.code) === BPF_EXIT);
  const usesDst = !isCallOrExit && !(cls === BPF_JMP || cls === BPF_JMP32 ? jmpOp(ins.code) === BPF_JA : false) && cls !== BPF_LD;
  if (usesSrc && ins.src >= MAX_BPF_REG) return E.badRegister(w, i, ins.src);
  if (usesDst && ins.dst >= MAX_BPF_REG) return E.badRegister(w, i, ins.dst);
  // Instructions that write dst: ALU, LDX. (ST/STX/JMP only read it.)
  const writesDst = cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX;
  if (writesDst && ins.dst === BPF_REG_FP) return E.fpReadOnly(w, i);
  return undefined;
}

/**
 * __BPF_FUNC_MAX_ID: one past the last UAPI helper id. cgrp_storage_get/delete (210, 211)
 * arrived in 6.2; 6.1 ends at user_ringbuf_drain (209).
 */
export function bpfFuncMaxId(kernel: string): number {
  return kernel === '6.1' ? 210 : HELPER_NAMES.length;
}

/**
 * Checks do_check makes on each instruction it visits (so only on reached ones): check_alu_op
 * refuses DIV/MOD by an immediate zero ("div by zero") and immediate shift amounts outside
 * [0, 32) or [0, 64) ("invalid shift N"); check_helper_call refuses helper ids outside
 * enum bpf_func_id ("invalid func unknown#N").
 */
export function checkReachedInsns(w: E.ProgWhere, insns: readonly Insn[], reached: (i: number) => boolean, maxFuncId: number): Diag | undefined {
  for (let i = 0; i < insns.length; i++) {
    if (!reached(i)) continue;
    const ins = insns[i]!;
    const cls = insnClass(ins.code);
    if ((cls === BPF_ALU || cls === BPF_ALU64) && srcBit(ins.code) === BPF_K) {
      const op = aluOp(ins.code);
      if ((op === BPF_DIV || op === BPF_MOD) && ins.imm === 0) return E.divByZero(w, i);
      const width = cls === BPF_ALU64 ? 64 : 32;
      if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && (ins.imm < 0 || ins.imm >= width)) {
        return E.invalidShift(w, i, ins.imm);
      }
    }
    if (isHelperCall(ins) && (ins.imm < 0 || ins.imm >= maxFuncId)) return E.invalidFunc(w, i, ins.imm);
  }
  return undefined;
}
