// Per-program linking, after libbpf bpf_object__relocate / bpf_object__reloc_code (v1.x):
// the entry function, then every `.text` subprogram it reaches, appended depth-first in
// the order their calls are met; call and PSEUDO_FUNC immediates are rewritten to the
// appended positions. Func/line info follow each function to its linked position.
import type { Insn } from '../bpf/insn.ts';
import { fileOff, insnIdx } from '../common/ids.ts';
import { linkBadCall, linkBadJump, linkBadLdImm64, linkTooBig, ObjError, type FileWhere } from './errors.ts';
import type { Elf } from './elf.ts';
import { funcAt, type Func } from './relocate.ts';
import type { BtfExt } from './btfExt.ts';
import { BTF_KIND, type Btf } from './btf.ts';
import { globalFuncMemArgs } from './kfuncArgs.ts';
import type { BpfProgram, LinkedFunc, LineInfoRec, SourcePos } from './types.ts';
import type { SectionProgInfo } from './progType.ts';
import { isPseudoCall, isPseudoFunc, LD_DW_IMM } from '../bpf/opcodes.ts';
import { BPF_COMPLEXITY_LIMIT_INSNS } from '../common/kernelLimits.ts';

/**
 * Checks a function's own control flow, as the verifier's check_subprogs/check_cfg would
 * reject it: ld_imm64 pairs complete with a zero second slot, jumps landing inside the
 * function and never on a second slot.
 */
export function checkFuncFlow(elf: Elf, f: Func): void {
  const second = new Uint8Array(f.len);
  const at = (i: number): FileWhere => ({ file: elf.file, section: f.sec.name, fileOff: f.sec.offset + (f.start + i) * 8, insn: f.start + i, program: f.name });
  for (let i = 0; i < f.len; i++) {
    const x = f.insns[i]!;
    if (x.code !== LD_DW_IMM) continue;
    const y = f.insns[i + 1];
    if (!y) throw new ObjError(linkBadLdImm64(at(i), `ld_imm64 at insn ${f.start + i} has no second slot inside '${f.name}'`));
    if (y.code !== 0 || y.dst !== 0 || y.src !== 0 || y.off !== 0)
      throw new ObjError(linkBadLdImm64(at(i + 1), `second slot of ld_imm64 at insn ${f.start + i} is not zero`));
    second[i + 1] = 1;
    i++;
  }
  for (let i = 0; i < f.len; i++) {
    const x = f.insns[i]!;
    const cls = x.code & 7;
    if (second[i] || (cls !== 5 && cls !== 6)) continue;
    const op = x.code & 0xf0;
    if (op === 0x80 || op === 0x90) continue; // call, exit
    // JMP32|JA (gotol) jumps by imm; every other jump by off.
    const t = i + (x.code === 0x06 ? x.imm : x.off) + 1;
    if (t < 0 || t >= f.len || second[t]) throw new ObjError(linkBadJump(at(i), f.start + i, f.start + t));
  }
}

export interface LinkContext {
  elf: Elf;
  textFuncs: Func[];
  ext: BtfExt | undefined;
  /** The object's BTF (global functions' prototypes). */
  btf?: Btf;
  /**
   * Linked slots (and line records) still allowed over all programs. Each program may append every subprogram,
   * so a crafted object could make the output quadratic in its size; real objects are tiny.
   */
  budget: { insns: number };
  /** Source position of one line_info record (string lookups cached by the caller). */
  sourceOf(fileNameOff: number, lineOff: number, line: number, col: number): SourcePos;
}

/**
 * Links `entry`; `exceptionCb` is the subprogram its `__exception_cb(...)` decl tag names,
 * which libbpf (v1.3+) appends after everything the entry reaches when no call placed it.
 */
export function linkProgram(ctx: LinkContext, entry: Func, info: SectionProgInfo, exceptionCb?: Func): BpfProgram {
  const tooMuch = (w: FileWhere): never => {
    throw new ObjError(linkTooBig(w, `linking '${entry.name}' exceeds the loader's budget of linked instructions and line records for one object`));
  };
  if (entry.error) throw new ObjError(entry.error);
  if (entry.len > ctx.budget.insns) tooMuch({ file: ctx.elf.file, section: entry.sec.name, program: entry.name });
  ctx.budget.insns -= entry.len;
  const insns: Insn[] = entry.insns.slice();
  const placed = new Map<Func, number>([[entry, 0]]);
  const order: Func[] = [entry];
  // Explicit stack instead of recursion: a crafted object may chain thousands of subprograms.
  const stack: { f: Func; base: number; i: number }[] = [{ f: entry, base: 0, i: 0 }];
  const append = (callee: Func, w: FileWhere): number => {
    if (callee.error) throw new ObjError(callee.error);
    const off = insns.length;
    if (off + callee.len > BPF_COMPLEXITY_LIMIT_INSNS)
      throw new ObjError(linkTooBig(w, `'${entry.name}' would have ${off + callee.len} instructions, more than BPF_COMPLEXITY_LIMIT_INSNS`));
    if (callee.len > ctx.budget.insns) tooMuch(w);
    ctx.budget.insns -= callee.len;
    placed.set(callee, off);
    order.push(callee);
    for (const y of callee.insns) insns.push(y);
    stack.push({ f: callee, base: off, i: 0 });
    return off;
  };
  const drain = (): void => {
    while (stack.length) {
      const fr = stack[stack.length - 1]!;
      if (fr.i >= fr.f.len) {
        stack.pop();
        continue;
      }
      const i = fr.i++;
      const x = insns[fr.base + i]!;
      if (!isPseudoCall(x) && !isPseudoFunc(x)) continue;
      const f = fr.f;
      const w: FileWhere = { file: ctx.elf.file, section: f.sec.name, fileOff: f.sec.offset + (f.start + i) * 8, insn: f.start + i, program: f.name };
      const relo = f.codeRelos.get(i);
      let target: number;
      if (relo) {
        if (relo.kind === 'call' && !isPseudoCall(x)) throw new ObjError(linkBadCall(w, 'call relocation on a non-call instruction'));
        target = relo.kind === 'call' ? relo.symOff / 8 + x.imm + 1 : (relo.symOff + x.imm) / 8;
      } else if (isPseudoFunc(x)) {
        throw new ObjError(linkBadCall(w, `function address load at insn ${f.start + i} has no relocation`));
      } else {
        // A static callee in the same section carries no relocation: imm is section-relative.
        if (!f.isText) throw new ObjError(linkBadCall(w, `call at insn ${f.start + i} has no relocation and its caller is not in .text`));
        target = f.start + i + x.imm + 1;
      }
      const callee = Number.isInteger(target) ? funcAt(ctx.textFuncs, target) : undefined;
      if (!callee) throw new ObjError(linkBadCall(w, `call at insn ${f.start + i} targets .text insn ${target}, which is not in any subprogram`));
      if (callee.start !== target)
        throw new ObjError(linkBadCall(w, `call at insn ${f.start + i} targets .text insn ${target}, inside '${callee.name}' rather than at its start`));
      const off = placed.get(callee) ?? append(callee, w);
      insns[fr.base + i] = { ...x, imm: off - (fr.base + i) - 1 };
    }
  };
  drain();
  // The exception callback goes last unless a call already placed it (the verifier rejects that).
  if (exceptionCb && !placed.has(exceptionCb)) {
    append(exceptionCb, { file: ctx.elf.file, section: exceptionCb.sec.name, program: entry.name });
    drain();
  }

  const funcs: LinkedFunc[] = [];
  const lineInfo: LineInfoRec[] = [];
  for (const f of order) {
    const base = placed.get(f)!;
    const lf: LinkedFunc = { name: f.name, start: insnIdx(base), len: f.len, section: f.sec.name, sectionInsn: f.start, global: f.global };
    const fis = ctx.ext?.funcInfo.get(f.sec.name) ?? [];
    const fi = fis[lowerBound(fis, f.start * 8)];
    if (fi && fi.insnOff === f.start * 8) lf.btfFuncId = fi.typeId;
    const ft = lf.btfFuncId !== undefined ? ctx.btf?.types[lf.btfFuncId] : undefined;
    if (f.global && ft?.kind === BTF_KIND.FUNC) {
      const memArgs = globalFuncMemArgs(ctx.btf!, ft);
      if (memArgs.length) lf.memArgs = memArgs;
    }
    funcs.push(lf);
    const recs = ctx.ext?.lineInfo.get(f.sec.name) ?? [];
    const from = lowerBound(recs, f.start * 8);
    const to = lowerBound(recs, (f.start + f.len) * 8);
    // Line records count against the same budget: a crafted .BTF.ext may repeat one insn's record.
    if (to - from > ctx.budget.insns) tooMuch({ file: ctx.elf.file, section: f.sec.name, program: entry.name });
    ctx.budget.insns -= to - from;
    for (let j = from; j < to; j++) {
      const r = recs[j]!;
      lineInfo.push({ insn: insnIdx(base + r.insnOff / 8 - f.start), ...ctx.sourceOf(r.fileNameOff, r.lineOff, r.line, r.col) });
    }
  }
  funcs.sort((a, b) => a.start - b.start);
  lineInfo.sort((a, b) => a.insn - b.insn);
  const prog: BpfProgram = {
    name: entry.name,
    section: info.section,
    autoload: info.autoload,
    progType: info.progType,
    insns,
    funcs,
    lineInfo,
    fileOff: fileOff(entry.sec.offset + entry.start * 8),
  };
  if (info.attach) prog.attach = info.attach;
  if (exceptionCb) prog.exceptionCb = exceptionCb.name;
  return prog;
}

/** First record with insnOff >= off (records are sorted by parseBtfExt). */
function lowerBound(recs: readonly { insnOff: number }[], off: number): number {
  let lo = 0,
    hi = recs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (recs[mid]!.insnOff < off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
