// do_jit's BPF_LD and BPF_LDX cases: the 64-bit immediate load (constants, map and
// map-value addresses, callback addresses, kernel symbols) and memory loads, plain,
// sign-extending and BPF_PROBE_MEM(SX) (exception-table sites).
import type { Insn } from '../../bpf/insn.ts';
import type { NativeOff } from '../../common/ids.ts';
import { TEXT_BASE } from '../../common/layout.ts';
import { ksymAddress } from '../../common/kallsyms.ts';
import {
  BPF_DW,
  BPF_MEM,
  BPF_MEMSX,
  BPF_PROBE_MEM,
  BPF_PROBE_MEMSX,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  LD_DW_IMM,
  memMode as BPF_MODE,
  memSize as BPF_SIZE,
} from '../../bpf/opcodes.ts';
import { emitLdsx, emitLdx } from './emitMem.ts';
import { emitProbeLoad } from './emitProbeMem.ts';
import { emitMovImm64 } from './emitMov.ts';
import type { InsnState } from './insnState.ts';
import { type EmitCtx, reloc } from './jitContext.ts';

/** BPF_LD at local insn k: only LD_IMM64 (two slots) reaches the JIT. */
export function emitLdInsn(ctx: EmitCtx, st: InsnState, k: number, insn: Insn, next: Insn | undefined, dst: number): number | string {
  const buf = ctx.buf;
  const { code, src, imm } = insn;
  if (code !== LD_DW_IMM || !next) return `unknown opcode 0x${code.toString(16)} (LD_ABS/LD_IND must be rewritten by the verifier)`;
  let value: bigint;
  let kind: 'map' | 'func' | 'none' = 'none';
  switch (src) {
    case 0:
      value = (BigInt(next.imm >>> 0) << 32n) | BigInt(imm >>> 0);
      break;
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX:
      value = st.env.mapAddr(imm);
      kind = 'map';
      break;
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE:
      value = st.env.mapValueAddr(imm) + BigInt(next.imm >>> 0);
      kind = 'map';
      break;
    case BPF_PSEUDO_FUNC: // a callback's address; size it as a text address (fits s32)
      value = TEXT_BASE;
      kind = 'func';
      break;
    case BPF_PSEUDO_BTF_ID: // the verifier puts the kernel symbol's address in imm (check_pseudo_btf_id)
      value = ksymAddress(imm);
      break;
    default:
      return `ld_imm64 with src ${src} is not a pseudo form the verifier knows`;
  }
  const w = emitMovImm64(buf, dst, value);
  if (kind === 'map' && ctx.writing) reloc(ctx, { kind: 'mapAddr', at: (buf.off - w) as NativeOff, width: w, insn: ctx.insn });
  else if (kind === 'func') {
    const func = st.funcAt.get(st.base + k + imm + 1);
    if (func === undefined) return `ld_imm64 pseudo func target insn ${st.base + k + imm + 1} is not a function`;
    if (ctx.writing) reloc(ctx, { kind: 'funcAddr', at: (buf.off - w) as NativeOff, func, insn: ctx.insn, width: w });
  }
  return 2;
}

/** BPF_LDX with (possibly remapped) dst and src. */
export function emitLdxInsn(ctx: EmitCtx, insn: Insn, dst: number, src: number): number | string {
  const buf = ctx.buf;
  const code = insn.code;
  const mode = BPF_MODE(code);
  const size = BPF_SIZE(code);
  if (mode === BPF_MEM) emitLdx(buf, size, dst, src, insn.off);
  else if (mode === BPF_MEMSX && size !== BPF_DW) emitLdsx(buf, size, dst, src, insn.off);
  else if (mode === BPF_PROBE_MEM || (mode === BPF_PROBE_MEMSX && size !== BPF_DW)) {
    // BPF_PROBE_MEM(SX): the load is an exception-table site (region 'extable').
    const ld = emitProbeLoad(buf, mode === BPF_PROBE_MEMSX, size, dst, src, insn.off);
    if (ctx.writing) ctx.regions.push({ start: ld.start as NativeOff, end: ld.end as NativeOff, role: 'extable', insn: ctx.insn });
  } else return `unsupported load opcode 0x${code.toString(16)} (PROBE_MEM/arena)`;
  return 1;
}
