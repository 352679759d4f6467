// linkImage: fill the address-bearing rel32/imm fields of a JitImage once the functions'
// base addresses and the helper/thunk addresses are known. Pure: returns new byte arrays.
import { type Result, err, ok } from '../common/diag.ts';
import { HELPER_BASE, HELPER_STRIDE, X86_INDIRECT_THUNK_RCX, X86_RETURN_THUNK } from '../common/layout.ts';
import { ksymAddress } from '../common/kallsyms.ts';
import type { JitImage, Reloc } from './types.ts';
import { linkRiscv } from './riscv64/link.ts';

/** Where everything a JITed program refers to lives in the guest. */
export interface Placement {
  /** bpf_func of each function, in JitImage.funcs order. */
  funcAddrs: readonly bigint[];
  helperAddr(helperId: number): bigint;
  kfuncAddr(btfId: number): bigint;
  /** __x86_return_thunk */
  returnThunk: bigint;
  /** __x86_indirect_thunk_<reg> */
  indirectThunk(reg: string): bigint;
}

/** The placement of src/common/layout.ts: helper N at HELPER_BASE + N * HELPER_STRIDE etc. */
export function layoutPlacement(funcAddrs: readonly bigint[]): Placement {
  return {
    funcAddrs,
    helperAddr: (id) => HELPER_BASE + BigInt(id) * HELPER_STRIDE,
    kfuncAddr: ksymAddress,
    returnThunk: X86_RETURN_THUNK,
    indirectThunk: (reg) => {
      if (reg !== 'rcx') throw new Error(`no indirect thunk for ${reg}`);
      return X86_INDIRECT_THUNK_RCX;
    },
  };
}

/** Absolute address a reloc refers to, or null when the field is already final. */
function targetOf(r: Reloc, p: Placement): bigint | null {
  switch (r.kind) {
    case 'helperCall':
      return p.helperAddr(r.helperId);
    case 'kfuncCall':
      return p.kfuncAddr(r.btfId);
    case 'funcCall':
      return p.funcAddrs[r.func] ?? null;
    case 'funcAddr':
      return p.funcAddrs[r.func] ?? null;
    case 'retThunk':
      return p.returnThunk;
    case 'indirectThunk':
      return p.indirectThunk(r.reg);
    case 'mapAddr':
    case 'perCpu':
    case 'ksymAddr': // RISC-V only
      return null;
  }
}

const S32_MIN = -(1n << 31n);
const S32_MAX = (1n << 31n) - 1n;

/**
 * Linked code for every function of `jit` (x86-64: rel32 and imm fields, little-endian;
 * riscv64: auipc pairs, riscv64/link.ts).
 */
export function linkImage(jit: JitImage, placement: Placement): Result<Uint8Array[]> {
  if (jit.arch === 'riscv64') return linkRiscv(jit, placement);
  const out: Uint8Array[] = [];
  for (const [f, fn] of jit.funcs.entries()) {
    const base = placement.funcAddrs[f];
    if (base === undefined) return err('jit.link-missing-func', `no address for function ${fn.name}`);
    const code = fn.code.slice();
    const dv = new DataView(code.buffer);
    for (const r of fn.relocs) {
      const target = targetOf(r, placement);
      if (target === null) {
        if (r.kind === 'funcCall' || r.kind === 'funcAddr') return err('jit.link-missing-func', `no address for function ${r.func}`);
        continue;
      }
      if (r.kind === 'funcAddr') {
        if (r.width === 8) dv.setBigUint64(r.at, BigInt.asUintN(64, target), true);
        else {
          const s = BigInt.asIntN(64, target);
          if (s < S32_MIN || s > S32_MAX)
            return err('jit.link-out-of-range', `${fn.name}: function address 0x${target.toString(16)} does not fit the sign-extended imm32 the JIT sized`);
          dv.setInt32(r.at, Number(s), true);
        }
        continue;
      }
      // rel32 of call/jmp: relative to the end of the 4-byte field.
      const rel = BigInt.asIntN(64, target - (base + BigInt(r.at) + 4n));
      if (rel < S32_MIN || rel > S32_MAX) {
        return err('jit.link-out-of-range', `${fn.name}+0x${r.at.toString(16)}: target 0x${target.toString(16)} is out of rel32 range`);
      }
      dv.setInt32(r.at, Number(rel), true);
    }
    out.push(code);
  }
  return ok(out);
}
