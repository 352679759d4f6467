// CO-RE relocations (.BTF.ext core_relo) applied as libbpf v1.x does before the program
// reaches the kernel (bpf_object__relocate_core -> bpf_core_resolve_relo ->
// bpf_core_calc_relo_insn -> bpf_core_patch_insn, tools/lib/bpf/relo_core.c): the local
// access spec is matched against every kernel BTF type of the same essential name
// ("task_struct___old" -> "task_struct"), all matching candidates must agree, and the
// instruction's imm (ALU), off (LDX/ST/STX, possibly with a new access size) or 64-bit
// immediate (ld_imm64) is rewritten. A relocation that cannot be satisfied poisons the
// instruction with `call 0xbad2310`, which the verifier rejects only if it is reachable.
// The matching rules (specs, candidates, compatibility) live in coreSpec.ts.
import type { Insn } from '../bpf/insn.ts';
import { BTF_KIND, type Btf } from './btf.ts';
import type { CoreReloRec } from './btfExt.ts';
import { cstr } from './elf.ts';
import { coreReloBad, ObjError, type FileWhere } from './errors.ts';
import {
  CORE,
  candidatesOf,
  fieldValue,
  isEnumvalKind,
  isFieldKind,
  isTypeKind,
  matchSpec,
  parseSpec,
  typeValue,
  enumvalValue,
  type FieldValue,
  type Spec,
} from './coreSpec.ts';
import { BPF_ALU, BPF_ALU64, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, CALL, LD_DW_IMM } from '../bpf/opcodes.ts';

/** libbpf bpf_core_poison_insn: imm 195896080 reads "bad relo" (0xbad2310). */
export const CORE_POISON_IMM = 0xbad2310;

export interface CoreTarget {
  /** The kernel BTF (vmlinux) the relocations resolve against. */
  btf: Btf;
  /** Where it came from, for error messages. */
  source: string;
}

/** A function's instructions inside one ELF section (insns[0] is section insn `start`). */
export interface CoreFunc {
  name: string;
  section: string;
  start: number;
  len: number;
  insns: Insn[];
}

interface Result {
  poison: boolean;
  validate: boolean;
  orig: bigint;
  next: bigint;
  origSz: number;
  newSz: number;
  failMemSz: boolean;
}

const u64 = (v: number | bigint): bigint => BigInt.asUintN(64, BigInt(v));

/**
 * Applies every CO-RE relocation of `relos` (section name -> records) to the functions of
 * that section, in place. `target` is called only when some relocation needs the kernel BTF
 * (TYPE_ID_LOCAL does not), so objects without CO-RE never pay for parsing vmlinux.
 */
export function applyCoreRelos(
  relos: ReadonlyMap<string, readonly CoreReloRec[]>,
  local: Btf,
  funcsOf: (section: string) => readonly CoreFunc[],
  target: () => CoreTarget,
  file: string,
): void {
  const cands = new Map<number, number[]>();
  for (const [section, recs] of relos) {
    const funcs = funcsOf(section);
    recs.forEach((rec, idx) => {
      const secInsn = rec.insnOff / 8;
      // libbpf skips records outside every function (a __weak subprogram another object overrode).
      const f = funcs.find((g) => secInsn >= g.start && secInsn < g.start + g.len);
      if (!f) return;
      const w: FileWhere = { file, section, insn: secInsn, program: f.name };
      const res = resolve(rec, idx, local, cands, target, w);
      patchInsn(f, secInsn - f.start, idx, res, w);
    });
  }
}

function resolve(rec: CoreReloRec, idx: number, local: Btf, cache: Map<number, number[]>, target: () => CoreTarget, w: FileWhere): Result {
  const bad = (what: string): never => {
    throw new ObjError(coreReloBad(w, `CO-RE relo #${idx}: ${what}`));
  };
  const lt = local.types[rec.typeId];
  if (!lt || rec.typeId === 0) bad(`type id ${rec.typeId} does not exist in the object's BTF`);
  if (rec.kind > CORE.TYPE_MATCHES) bad(`unknown relocation kind ${rec.kind}`);
  const access = cstr(local.strings, rec.accessStrOff);
  if (access === undefined) bad(`access string offset ${rec.accessStrOff} is outside the BTF strings`);
  const localSpec = parseSpec(local, rec.typeId, rec.kind, access!);
  if (typeof localSpec === 'string') return bad(`parsing [${rec.typeId}] ${lt!.name || '<anon>'} + ${access}: ${localSpec}`);
  if (rec.kind === CORE.TYPE_ID_LOCAL) {
    const id = u64(rec.typeId);
    return { poison: false, validate: false, orig: id, next: id, origSz: 0, newSz: 0, failMemSz: false };
  }
  if (lt!.name === '') bad(`relocation against an anonymous ${kindName(lt!.kind)} (libbpf finds no candidates for it)`);
  const kernel = target();
  let ids = cache.get(rec.typeId);
  if (!ids) cache.set(rec.typeId, (ids = candidatesOf(lt!, kernel.btf)));
  let chosen: { res: Result; spec: Spec } | undefined;
  const kept: number[] = [];
  for (const id of ids) {
    const spec = matchSpec(localSpec, kernel.btf, id);
    if (typeof spec === 'string') bad(`matching candidate [${id}] of ${kernel.source}: ${spec}`);
    if (spec === undefined) continue;
    const res = calc(rec, localSpec, spec as Spec, bad);
    if (!chosen) chosen = { res, spec: spec as Spec };
    else if ((spec as Spec).bitOffset !== chosen.spec.bitOffset) bad(`field offset ambiguity: ${(spec as Spec).bitOffset} != ${chosen.spec.bitOffset} bits`);
    else if (res.poison !== chosen.res.poison || (!res.poison && res.next !== chosen.res.next))
      bad(`relocation decision ambiguity: ${res.next} != ${chosen.res.next}`);
    kept.push(id);
  }
  // libbpf narrows the cached candidates to the ones that matched (when any did).
  if (kept.length > 0) cache.set(rec.typeId, kept);
  return chosen ? chosen.res : calc(rec, localSpec, undefined, bad);
}

/** bpf_core_calc_relo: original and new values; `targ` undefined when nothing matched. */
function calc(rec: CoreReloRec, localSpec: Spec, targ: Spec | undefined, bad: (what: string) => never): Result {
  const res: Result = { poison: false, validate: true, orig: 0n, next: 0n, origSz: 0, newSz: 0, failMemSz: false };
  const take = (v: FieldValue | 'poison' | string): FieldValue | undefined => {
    if (v === 'poison') {
      res.poison = true;
      return undefined;
    }
    if (typeof v === 'string') bad(v);
    return v as FieldValue;
  };
  if (isFieldKind(rec.kind)) {
    const o = take(fieldValue(rec.kind, localSpec));
    if (!o) return res;
    const n = take(fieldValue(rec.kind, targ));
    res.orig = o.val;
    res.validate = o.validate;
    if (!n) return res;
    res.next = n.val;
    res.origSz = o.size;
    res.newSz = n.size;
    if (o.size !== n.size) {
      // Only a pointer read as a narrower pointer, or unsigned ints, may change access size.
      const ot = localSpec.btf.types[o.typeId]!,
        nt = targ!.btf.types[n.typeId]!;
      const unsignedInt = (t: typeof ot): boolean => t.kind === BTF_KIND.INT && (((t.intData ?? 0) >>> 24) & 0xf) !== 1;
      const ok = (ot.kind === BTF_KIND.PTR && nt.kind === BTF_KIND.PTR) || (unsignedInt(ot) && unsignedInt(nt));
      res.failMemSz = !ok;
    }
  } else if (isTypeKind(rec.kind)) {
    const o = typeValue(rec.kind, localSpec);
    const n = typeValue(rec.kind, targ);
    if (typeof o === 'string') bad(o);
    if (typeof n === 'string') bad(n);
    res.orig = (o as { val: bigint }).val;
    res.validate = (o as { validate: boolean }).validate;
    res.next = (n as { val: bigint }).val;
  } else if (isEnumvalKind(rec.kind)) {
    const o = enumvalValue(rec.kind, localSpec);
    const n = enumvalValue(rec.kind, targ);
    if (o === 'poison' || n === 'poison') res.poison = true;
    else {
      res.orig = o;
      res.next = n;
    }
  }
  return res;
}

const SIZE_BYTES = [4, 2, 1, 8] as const; // BPF_W, BPF_H, BPF_B, BPF_DW by (code >> 3) & 3
const poisoned: Insn = { code: CALL, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM };

/** bpf_core_patch_insn. */
function patchInsn(f: CoreFunc, i: number, idx: number, res: Result, w: FileWhere): void {
  const bad = (what: string): never => {
    throw new ObjError(coreReloBad(w, `CO-RE relo #${idx}: ${what}`));
  };
  const insn = f.insns[i]!;
  const poison = (): void => {
    if (insn.code === LD_DW_IMM && i + 1 < f.len) f.insns[i + 1] = poisoned;
    f.insns[i] = poisoned;
  };
  if (res.poison) return poison();
  const cls = insn.code & 7;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if (insn.code & 0x08) bad('relocated ALU instruction has a register source');
      if (res.validate && u64(insn.imm) !== res.orig) bad(`unexpected insn value ${insn.imm >>> 0}, expected ${res.orig} (-> ${res.next})`);
      f.insns[i] = { ...insn, imm: Number(BigInt.asIntN(32, res.next)) };
      return;
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (res.validate && u64(insn.off) !== res.orig) bad(`unexpected insn offset ${insn.off}, expected ${res.orig} (-> ${res.next})`);
      if (res.next > 0x7fffn) bad(`offset ${res.next} is too big for a load/store`);
      if (res.failMemSz) return poison();
      let code = insn.code;
      if (res.newSz !== res.origSz) {
        const have = SIZE_BYTES[(code >> 3) & 3];
        if (have !== res.origSz) bad(`unexpected access size ${have}, expected ${res.origSz}`);
        const sz = SIZE_BYTES.indexOf(res.newSz as 1 | 2 | 4 | 8);
        if (sz < 0) bad(`invalid new access size ${res.newSz}`);
        code = (code & 0xe7) | (sz << 3);
      }
      f.insns[i] = { ...insn, code, off: Number(res.next) };
      return;
    }
    case BPF_LD: {
      const hi = f.insns[i + 1];
      if (insn.code !== LD_DW_IMM || !hi || i + 1 >= f.len || insn.src !== 0 || insn.off !== 0 || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0)
        bad('relocated ld_imm64 has an unexpected form');
      const imm = (BigInt(insn.imm >>> 0) | (u64(hi!.imm) << 32n)) & 0xffff_ffff_ffff_ffffn;
      if (res.validate && imm !== res.orig) bad(`unexpected ld_imm64 value ${imm}, expected ${res.orig} (-> ${res.next})`);
      f.insns[i] = { ...insn, imm: Number(BigInt.asIntN(32, res.next)) };
      f.insns[i + 1] = { ...hi!, imm: Number(BigInt.asIntN(32, res.next >> 32n)) };
      return;
    }
    default:
      bad(`cannot relocate instruction code 0x${insn.code.toString(16)}`);
  }
}

function kindName(k: number): string {
  return (Object.entries(BTF_KIND).find(([, v]) => v === k)?.[0] ?? `kind ${k}`).toLowerCase();
}
