// do_misc_fixups (kernel/bpf/verifier.c, Linux 6.18), the parts that change what runs:
// - sdiv/smod by immediate -1 become neg / `w = 0`;
// - div/mod by a register get the guards that make x/0 = 0, x%0 = x, and signed
//   INT_MIN/-1 = INT_MIN, x s% -1 = 0 (the sequences use BPF_REG_AX, r11);
// - LD_ABS/LD_IND expand into the program type's gen_ld_abs (bpf_gen_ld_abs for skb
//   programs: a call of bpf_skb_load_helper_{8,16,32}_no_cache, then `if r0 s>= 0 goto
//   +2; w0 ^= w0; exit`), which is what the 6.18 x86 JIT bytes of tailcall_bpf2bpf2/3 show;
// - bpf_map_lookup_elem is inlined (map_gen_lookup) for array maps (privileged form without
//   index masking, as in tailcall_bpf2bpf4's JIT bytes), array-of-maps, hash, LRU hash and
//   hash-of-maps; with bpf_jit_supports_percpu_insn() (6.10+ on x86-64 and RISC-V) also
//   percpu arrays and percpu hashes, whose lookups end in the internal per-CPU MOV
//   (BPF_MOV64_PERCPU_REG: ALU64|MOV|X with off = BPF_ADDR_PERCPU);
// - x86-64 6.10+: bpf_get_smp_processor_id becomes `r0 = &cpu_number; r0 = this_cpu_ptr(r0);
//   r0 = *(u32 *)(r0 + 0)` (the RISC-V JIT inlines it itself, bpf_jit_inlines_helper_call);
// - sk/inode/task/cgrp storage_get calls get their hidden GFP argument in R5;
// - `call bpf_tail_call` becomes JMP|TAIL_CALL (0xf5), imm = poke index + 1 when the map
//   and key are the same constants on every path (a direct, patchable jump), else 0.
// Helper calls keep their helper id in imm (bpfdbg convention, see INTERNAL_HELPER).
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_DIV,
  BPF_EXIT,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSGE,
  BPF_K,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_W,
  BPF_X,
  BPF_XOR,
  BPF_B,
  BPF_H,
  BPF_DW,
  BPF_ST,
  BPF_CALL,
  BPF_IND,
  BPF_TAIL_CALL,
  insnClass,
  aluOp,
  srcBit,
  memMode,
  memSize,
  isLdAbsInd,
  isHelperCall,
  BPF_FUNC_tail_call,
  BPF_ADDR_PERCPU,
} from '../bpf/opcodes.ts';
import { BPF_ARRAY_PTRS_OFF, HTAB_ELEM_KEY_OFF, HTAB_ELEM_LRU_REF_OFF } from '../common/kernelStructs.ts';
import { HELPER_NAMES } from '../bpf/helperIds.ts';
import { MapType, type MapDef } from '../object/types.ts';
import { patchInsn, type WorkProg } from './patch.ts';
import { ja, mov32Imm, mov64Reg, raw } from './ctxInsns.ts';
import { BPF_REG_AX, BPF_REG_CTX } from '../bpf/registers.ts';
import { BPF_F_INNER_MAP } from '../bpf/uapiFlags.ts';
import { BPF_FUNC } from '../bpf/helperIds.ts';
import { CPU_NUMBER_ADDR } from '../common/layout.ts';

/**
 * Kernel-internal functions that xlated code calls like helpers. They have no UAPI id;
 * bpfdbg gives them ids above every real helper (the kernel model places them on the
 * helper trap page like any helper).
 */
export const INTERNAL_HELPER = {
  bpf_skb_load_helper_8_no_cache: 0x1000,
  bpf_skb_load_helper_16_no_cache: 0x1001,
  bpf_skb_load_helper_32_no_cache: 0x1002,
  __htab_map_lookup_elem: 0x1003,
} as const;

export interface FixupAux {
  /** Map at a helper call or tail call: index when the same on every path, null = poisoned. */
  map?: number | null;
  /** Tail-call key: constant < max_entries on every path, else null (poisoned). */
  key?: number | null;
}

const mov32Reg = (d: number, s: number): Insn => raw(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0);
/** BPF_MOV64_PERCPU_REG(dst, src): dst = src + this CPU's per-CPU offset (verifier-internal). */
const movPercpu = (d: number, s: number): Insn => raw(BPF_ALU64 | BPF_MOV | BPF_X, d, s, BPF_ADDR_PERCPU, 0);

export interface FixupResult {
  pokes: { insn: number; mapIndex: number; key: number }[];
}

/** The storage helpers' hidden `gfp_flags` argument (R5). */
const STORAGE_GET: ReadonlySet<number> = new Set(
  ['sk_storage_get', 'inode_storage_get', 'task_storage_get', 'cgrp_storage_get'].map((n) => HELPER_NAMES.indexOf(n)),
);
/** GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM) and GFP_KERNEL, include/linux/gfp_types.h (6.18). */
const GFP_ATOMIC = 0x820;
const GFP_KERNEL = 0xcc0;

export interface FixupOptions {
  sleepable?: boolean;
  /** bpf_jit_supports_percpu_insn(): the JIT emits BPF_MOV64_PERCPU_REG (6.10+). Default true. */
  percpuInsn?: boolean;
  /** The verifier inlines bpf_get_smp_processor_id (x86-64 6.10+). Default: percpuInsn. */
  inlineSmpProcessorId?: boolean;
}

export function doMiscFixups<A extends FixupAux>(p: WorkProg<A>, maps: readonly MapDef[], opts: FixupOptions = {}): FixupResult {
  const pokes: { insn: number; mapIndex: number; key: number }[] = [];
  for (let i = 0; i < p.insns.length; i++) {
    const insn = p.insns[i]!;
    const cls = insnClass(insn.code);
    const patch = divModPatch(insn);
    if (patch) {
      patchInsn(p, i, patch);
      i += patch.length - 1;
      continue;
    }
    if (isLdAbsInd(insn.code)) {
      const buf = genLdAbs(insn);
      patchInsn(p, i, buf);
      i += buf.length - 1;
      continue;
    }
    if (cls !== BPF_JMP || !isHelperCall(insn)) continue;
    const aux = p.aux[i];
    if (insn.imm === BPF_FUNC_tail_call) {
      const mapIndex = aux?.map ?? null;
      const key = aux?.key ?? null;
      let imm = 0;
      if (mapIndex !== null && key !== null) {
        pokes.push({ insn: i, mapIndex, key });
        p.pokeInsns.push(i);
        imm = pokes.length;
      }
      p.insns[i] = raw(BPF_JMP | BPF_TAIL_CALL, 0, 0, 0, imm);
      continue;
    }
    if (STORAGE_GET.has(insn.imm)) {
      // A sleepable program may sleep in the allocation (unless it holds a lock, which
      // bpfdbg does not track: storage_get_func_atomic).
      const buf = [raw(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, opts.sleepable ? GFP_KERNEL : GFP_ATOMIC), insn];
      patchInsn(p, i, buf);
      i += buf.length - 1;
      continue;
    }
    if (insn.imm === BPF_FUNC.get_smp_processor_id && (opts.inlineSmpProcessorId ?? opts.percpuInsn ?? true)) {
      // CONFIG_SMP form; (u32)&cpu_number sign-extends back to the kernel-image address.
      const buf = [
        raw(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, Number(BigInt.asIntN(32, CPU_NUMBER_ADDR))),
        movPercpu(0, 0),
        raw(BPF_LDX | BPF_MEM | BPF_W, 0, 0, 0, 0),
      ];
      patchInsn(p, i, buf);
      i += buf.length - 1;
      continue;
    }
    if (insn.imm === BPF_FUNC.map_lookup_elem && aux?.map !== undefined && aux.map !== null) {
      const buf = mapGenLookup(maps[aux.map], opts.percpuInsn ?? true);
      if (buf) {
        patchInsn(p, i, buf);
        i += buf.length - 1;
      }
    }
  }
  // Poke indexes were recorded before later patches; re-read them from pokeInsns.
  pokes.forEach((pk, k) => (pk.insn = p.pokeInsns[k]!));
  return { pokes };
}

/** sdiv/smod by -1 (immediate) and div/mod by register. */
function divModPatch(insn: Insn): Insn[] | undefined {
  const cls = insnClass(insn.code);
  if (cls !== BPF_ALU && cls !== BPF_ALU64) return undefined;
  const op = aluOp(insn.code);
  if (op !== BPF_DIV && op !== BPF_MOD) return undefined;
  const is64 = cls === BPF_ALU64;
  const isdiv = op === BPF_DIV;
  const aluCls = is64 ? BPF_ALU64 : BPF_ALU;
  const jmpCls = is64 ? BPF_JMP : BPF_JMP32;
  if (srcBit(insn.code) === BPF_K) {
    if (insn.off !== 1 || insn.imm !== -1) return undefined;
    return [isdiv ? raw(aluCls | BPF_NEG | BPF_K, insn.dst, 0, 0, 0) : mov32Imm(insn.dst, 0)];
  }
  const signed = insn.off === 1;
  const AX = BPF_REG_AX;
  if (signed && isdiv) {
    return [
      mov64Reg(AX, insn.src),
      raw(aluCls | BPF_ADD | BPF_K, AX, 0, 0, 1),
      raw(jmpCls | BPF_JGT | BPF_K, AX, 0, 4, 1),
      raw(jmpCls | BPF_JEQ | BPF_K, AX, 0, 1, 0),
      raw(aluCls | BPF_MOV | BPF_K, insn.dst, 0, 0, 0),
      raw(aluCls | BPF_NEG | BPF_K, insn.dst, 0, 0, 0),
      ja(1),
      insn,
    ];
  }
  if (signed) {
    const buf = [
      mov64Reg(AX, insn.src),
      raw(aluCls | BPF_ADD | BPF_K, AX, 0, 0, 1),
      raw(jmpCls | BPF_JGT | BPF_K, AX, 0, 3, 1),
      raw(jmpCls | BPF_JEQ | BPF_K, AX, 0, 3 + (is64 ? 0 : 1), 1),
      mov32Imm(insn.dst, 0),
      ja(1),
      insn,
      ja(1),
      mov32Reg(insn.dst, insn.dst),
    ];
    return is64 ? buf.slice(0, buf.length - 2) : buf;
  }
  if (isdiv) {
    return [raw(jmpCls | BPF_JNE | BPF_K, insn.src, 0, 2, 0), raw(BPF_ALU | BPF_XOR | BPF_X, insn.dst, insn.dst, 0, 0), ja(1), insn];
  }
  const buf = [raw(jmpCls | BPF_JEQ | BPF_K, insn.src, 0, 1 + (is64 ? 0 : 1), 0), insn, ja(1), mov32Reg(insn.dst, insn.dst)];
  return is64 ? buf.slice(0, buf.length - 2) : buf;
}

/** bpf_gen_ld_abs (net/core/filter.c): the skb is in R6, the offset goes in R2. */
export function genLdAbs(orig: Insn): Insn[] {
  const out: Insn[] = [];
  if (memMode(orig.code) !== BPF_IND) out.push(raw(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, orig.imm));
  else {
    out.push(mov64Reg(2, orig.src));
    if (orig.imm) out.push(raw(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, orig.imm));
  }
  out.push(mov64Reg(1, BPF_REG_CTX));
  const size = memSize(orig.code);
  const fn =
    size === BPF_B
      ? INTERNAL_HELPER.bpf_skb_load_helper_8_no_cache
      : size === BPF_H
        ? INTERNAL_HELPER.bpf_skb_load_helper_16_no_cache
        : INTERNAL_HELPER.bpf_skb_load_helper_32_no_cache;
  out.push(raw(BPF_JMP | BPF_CALL, 0, 0, 0, fn));
  out.push(raw(BPF_JMP | BPF_JSGE | BPF_K, 0, 0, 2, 0));
  out.push(raw(BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0, 0));
  out.push(raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return out;
}

/** The map type's map_gen_lookup, for a lookup whose map is the same on every path. */
function mapGenLookup(map: MapDef | undefined, percpuInsn: boolean): Insn[] | undefined {
  if (!map) return undefined;
  switch (map.type) {
    case MapType.ARRAY:
      return arrayMapGenLookup(map);
    case MapType.PERCPU_ARRAY:
      return percpuInsn ? percpuArrayMapGenLookup(map) : undefined;
    case MapType.PERCPU_HASH:
      return percpuInsn ? htabMapGenLookup(map) : undefined;
    case MapType.ARRAY_OF_MAPS:
      return arrayOfMapGenLookup(map);
    case MapType.HASH:
    case MapType.LRU_HASH:
    case MapType.HASH_OF_MAPS:
      return htabMapGenLookup(map);
  }
  return undefined;
}

/**
 * htab_map_gen_lookup, htab_lru_map_gen_lookup, htab_of_map_gen_lookup and (6.10+)
 * htab_percpu_map_gen_lookup (kernel/bpf/hashtab.c): call __htab_map_lookup_elem, then step
 * from the element to its value; LRU maps set the node's ref byte on a hit, maps of maps
 * load the inner map pointer stored as the value, and percpu hashes load the value's
 * per-CPU pointer stored there, which the per-CPU MOV turns into this CPU's copy.
 */
function htabMapGenLookup(map: MapDef): Insn[] {
  const valueOff = HTAB_ELEM_KEY_OFF + Math.ceil(map.keySize / 8) * 8;
  const call = raw(BPF_JMP | BPF_CALL, 0, 0, 0, INTERNAL_HELPER.__htab_map_lookup_elem);
  const toValue = raw(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, valueOff);
  if (map.type === MapType.LRU_HASH) {
    return [
      call,
      raw(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
      raw(BPF_LDX | BPF_MEM | BPF_B, 1, 0, HTAB_ELEM_LRU_REF_OFF, 0),
      raw(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 1, 0),
      raw(BPF_ST | BPF_MEM | BPF_B, 0, 0, HTAB_ELEM_LRU_REF_OFF, 1),
      toValue,
    ];
  }
  if (map.type === MapType.HASH_OF_MAPS) {
    return [call, raw(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0), toValue, raw(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0)];
  }
  if (map.type === MapType.PERCPU_HASH) {
    return [call, raw(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0), toValue, raw(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0), movPercpu(0, 0)];
  }
  return [call, raw(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0), toValue];
}

/**
 * The start both percpu_array_map_gen_lookup and array_of_map_gen_lookup emit: an index past
 * max_entries jumps over the next 5 insns (to their `r0 = 0`); otherwise r0 = the 8-byte
 * pointer in slot `index` of the array (pptrs[] or the inner maps) after the header.
 */
function loadPointerSlot(map: MapDef): Insn[] {
  return [
    raw(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, BPF_ARRAY_PTRS_OFF),
    raw(BPF_LDX | BPF_MEM | BPF_W, 0, 2, 0, 0),
    raw(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 5, map.maxEntries),
    raw(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 3),
    raw(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
    raw(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0),
  ];
}

/**
 * percpu_array_map_gen_lookup (kernel/bpf/arraymap.c, 6.10+), bypass_spec_v1 form: load
 * pptrs[index] and turn it into this CPU's copy; not for inner maps.
 */
function percpuArrayMapGenLookup(map: MapDef): Insn[] | undefined {
  if (map.flags & BPF_F_INNER_MAP) return undefined;
  return [...loadPointerSlot(map), movPercpu(0, 0), ja(1), raw(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)];
}

/** array_map_gen_lookup (kernel/bpf/arraymap.c), bypass_spec_v1 (privileged) form. */
function arrayMapGenLookup(map: MapDef): Insn[] | undefined {
  if (map.flags & BPF_F_INNER_MAP) return undefined;
  const elemSize = Math.ceil(map.valueSize / 8) * 8;
  const out: Insn[] = [
    raw(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, BPF_ARRAY_PTRS_OFF),
    raw(BPF_LDX | BPF_MEM | BPF_W, 0, 2, 0, 0),
    raw(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 3, map.maxEntries),
  ];
  if (elemSize > 0 && (elemSize & (elemSize - 1)) === 0) out.push(raw(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, Math.log2(elemSize)));
  else out.push(raw(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, elemSize));
  out.push(raw(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0));
  out.push(ja(1));
  out.push(raw(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
  return out;
}

/**
 * array_of_map_gen_lookup (kernel/bpf/arraymap.c), bypass_spec_v1 form: the element is the
 * inner map's pointer (8 bytes), loaded and returned, NULL when the slot is empty.
 */
function arrayOfMapGenLookup(map: MapDef): Insn[] {
  return [...loadPointerSlot(map), raw(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0), ja(1), raw(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)];
}
