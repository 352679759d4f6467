// Attaching tracing (fentry/fexit/fmod_ret) and extension (freplace) programs to a BPF
// function on a JIT engine, as the kernel does for a BPF target (6.12+). The checks and the
// trampoline bookkeeping below are the kernel's generic code (kernel/bpf/trampoline.c,
// syscall.c, verifier.c); what is arch code (trampoline image, text poke, patch-site size,
// the routines' native code) comes from an AttachArch: X86_ATTACH here, RISCV_ATTACH in
// attachRiscv.ts (an 8-byte site of two nops at bpf_func; tail calls land past it too).
// On x86-64:
//  - the attach target (tgt_prog + function) is fixed at load time
//    (bpf_program__set_attach_target; bpf_check_attach_target checks it);
//  - fentry/fexit/fmod_ret: one struct bpf_trampoline per target function. Every link
//    change rebuilds its image (arch_prepare_bpf_trampoline, here jit/x86_64/trampoline.ts)
//    on a fresh text page and pokes the 5 bytes at the function's entry with BPF_MOD_CALL:
//    nop5 -> call new, call old -> call new, and call old -> nop5 when the last link goes
//    (bpf_trampoline_update). Tail calls land past those 5 bytes (X86_TAIL_CALL_OFFSET),
//    so a tail-called program never runs its fentry/fexit programs. BPF_TRAMP_F_TAIL_CALL_CTX
//    when tgt_prog->aux->tail_call_reachable (the 6.7 fix: rax survives the trampoline);
//  - freplace: no trampoline; BPF_MOD_JUMP pokes nop5 -> jmp ext->bpf_func, back on detach;
//  - the freplace/prog_array rules of "bpf: Prevent tailcall infinite loop caused by
//    freplace" (d6083f040d5d, 6.13, in Debian's 6.12 too): an EXT program never goes into
//    a prog_array (-EINVAL), an extended program neither (-EBUSY), and a program that is in
//    some prog_array (prog_array_member_cnt > 0) cannot be extended (-EBUSY); fentry/fexit
//    and freplace exclude each other on one target (-EBUSY).
// Old images stay mapped (the kernel frees them after an RCU-tasks grace period; a CPU
// stopped inside one may still return through it). Pages are never reused.
import { type Result, err, ok } from '../common/diag.ts';
import { PAGE_SIZE, TEXT_SLOT, X86_RETURN_THUNK } from '../common/layout.ts';
import { buildTrampoline } from '../jit/x86_64/trampoline.ts';
import { NOP5 } from '../jit/x86_64/textPoke.ts';
import type { TrampLink, TrampolineCode } from '../jit/trampolineSpec.ts';
import { E2BIG, EBUSY, EINVAL, EOPNOTSUPP, errnoName } from '../kernel/errors.ts';
import type { KernelProgram } from '../kernel/kernelModel.ts';
import type { BpfMap } from '../kernel/maps/base.ts';
import { ProgArrayMap } from '../kernel/maps/progArray.ts';
import { bpfArchTextPoke } from '../kernel/pokes/textPoke.ts';
import { btfArgCount } from './attachBtf.ts';
import { routinesPage, type RoutineAddrs } from './attachRoutines.ts';
import type { AttachArch, PatchSite } from './attachArch.ts';
import { RISCV_ATTACH } from './attachRiscv.ts';
import type { JitEngine } from './jitEngine.ts';
import { PERM_RX } from '../machine/machine.ts';
import { BPF_MAX_TRAMP_LINKS } from '../common/kernelLimits.ts';

export type TraceKind = 'fentry' | 'fexit' | 'fmod_ret';
export type AttachKind = TraceKind | 'freplace';

/** A function of a loaded program that something attaches to. */
export interface AttachTarget {
  /** tgt_prog */
  prog: KernelProgram;
  /** Index in the target's JitImage.funcs (0 = the program itself). */
  func: number;
  name: string;
  /** tr->func.addr: the function's JITed entry, whose first bytes (5 on x86-64, 8 on riscv64) are the patch site. */
  addr: bigint;
  /** btf_func_model.nr_args */
  nrArgs: number;
}

/** A bpf_tracing_link: one attached program. */
export interface TracingLink {
  readonly id: number;
  readonly prog: KernelProgram;
  readonly kind: AttachKind;
  readonly target: AttachTarget;
}

/** A trampoline image in guest memory. */
export interface TrampolineImage {
  addr: bigint;
  code: Uint8Array;
  tramp: TrampolineCode;
}

interface TrampState {
  target: AttachTarget;
  /** fentry/fexit/fmod_ret links in attach order. */
  links: TracingLink[];
  extension: TracingLink | null;
  image: TrampolineImage | null;
}

export const X86_ATTACH: AttachArch = {
  patchSize: 5,
  fillByte: 0xcc,
  routinesPage,
  poke: (eng, kind, ip, oldAddr, newAddr) => bpfArchTextPoke(eng.machine, ip, oldAddr, newAddr, kind).ret >= 0,
  decode(addr, b) {
    if (NOP5.every((v, i) => b[i] === v)) return { kind: 'nop' };
    if (b[0] === 0xe8 || b[0] === 0xe9) {
      const rel = new DataView(b.buffer, b.byteOffset, 5).getInt32(1, true);
      return { kind: b[0] === 0xe8 ? 'call' : 'jmp', to: BigInt.asUintN(64, addr + 5n + BigInt(rel)) };
    }
    return { kind: 'other', bytes: b };
  },
  build: (eng, s) => buildTrampoline({ ...s, returnThunk: eng.profile.retThunk ? X86_RETURN_THUNK : null }),
};

const ARCHES: Record<string, AttachArch> = { x86_64: X86_ATTACH, riscv64: RISCV_ATTACH };
const PAGE = BigInt(PAGE_SIZE);

const fail = <T>(errno: number, message: string, program?: string): Result<T> =>
  err(`attach.${errnoName(errno)}`, `${message} (${errnoName(errno)})`, program ? { program } : {});

export class Attacher {
  private readonly targets = new Map<KernelProgram, AttachTarget>();
  private readonly tramps = new Map<string, TrampState>();
  private readonly extended = new Set<KernelProgram>();
  private routines: RoutineAddrs | undefined;
  /** Pages are never reused; a class instance, so a recorder's state walk does not rewind it. */
  private readonly pages = new PageCursor();
  private nextLinkId = 1;

  readonly arch: AttachArch;

  constructor(readonly eng: JitEngine) {
    const a = ARCHES[eng.profile.arch];
    if (!a) throw new Error(`BPF trampolines are not modelled on ${eng.profile.arch}`);
    this.arch = a;
  }

  /** The tracing/EXT program type of `prog`, if it is one. */
  static kindOf(prog: KernelProgram): AttachKind | 'other' | undefined {
    const type = prog.image.progType;
    if (type === 'ext') return 'freplace';
    if (type !== 'tracing') return undefined;
    const k = prog.program.attach?.kind;
    return k === 'fentry' || k === 'fexit' || k === 'fmod_ret' ? k : 'other';
  }

  /**
   * bpf_program__set_attach_target(prog, fd of tgtProg, funcName) + the load-time
   * bpf_check_attach_target checks for a BPF target.
   */
  setAttachTarget(prog: KernelProgram, tgtProg: KernelProgram, funcName: string): Result<AttachTarget> {
    const kind = Attacher.kindOf(prog);
    if (kind === undefined) return fail(EINVAL, `${prog.name} is neither a tracing nor an extension program`, prog.name);
    const jp = this.eng.jited(tgtProg);
    if (!jp) return fail(EINVAL, `target program ${tgtProg.name} is not JITed on this engine`, prog.name);
    const func = jp.jit.funcs.findIndex((f) => f.name === funcName);
    if (func < 0) return fail(EINVAL, `subprog ${funcName} doesn't exist in ${tgtProg.name}`, prog.name);
    const tgtKind = Attacher.kindOf(tgtProg);
    if (tgtKind === 'fentry' || tgtKind === 'fexit' || tgtKind === 'fmod_ret') {
      return fail(EINVAL, `cannot recursively attach ${prog.name} to the tracing program ${tgtProg.name}`, prog.name);
    }
    if (kind === 'freplace' && func > 0 && !tgtProg.image.subprogs[func]?.isGlobal) {
      return fail(EINVAL, `cannot replace static function ${funcName}`, prog.name);
    }
    const nrArgs = btfArgCount(tgtProg.object.object, funcName);
    if (nrArgs === undefined) return fail(EINVAL, `${funcName} has no BTF FUNC_PROTO in ${tgtProg.object.name}`, prog.name);
    if (nrArgs > 6) return fail(EOPNOTSUPP, `${funcName} takes ${nrArgs} arguments (stack arguments are not modelled)`, prog.name);
    const t: AttachTarget = { prog: tgtProg, func, name: funcName, addr: jp.funcBases[func]!, nrArgs };
    this.targets.set(prog, t);
    return ok(t);
  }

  attachTargetOf(prog: KernelProgram): AttachTarget | undefined {
    return this.targets.get(prog);
  }

  /** bpf_tracing_prog_attach + bpf_trampoline_link_prog. */
  attach(prog: KernelProgram): Result<TracingLink> {
    const target = this.targets.get(prog);
    const kind = Attacher.kindOf(prog);
    if (!target || kind === undefined) return fail(EINVAL, `${prog.name} has no attach target`, prog.name);
    if (kind === 'other') return fail(EOPNOTSUPP, `${prog.name}: only fentry/fexit/fmod_ret/freplace attach to BPF functions here`, prog.name);
    const tr = this.trampolineState(target);
    // "cannot attach fentry/fexit if extension prog is attached; cannot attach extension if
    // another extension prog is attached"
    if (tr.extension) return fail(EBUSY, `${target.name} of ${target.prog.name} is replaced by ${tr.extension.prog.name}`, prog.name);
    const link: TracingLink = { id: this.nextLinkId++, prog, kind, target };
    if (kind === 'freplace') {
      if (tr.links.length) return fail(EBUSY, `fentry/fexit programs are attached to ${target.name}`, prog.name);
      if (this.progArrayMemberCnt(target.prog) > 0) {
        return fail(EBUSY, `${target.prog.name} is in a prog_array: extending it could loop through tail calls`, prog.name);
      }
      const r = this.poke('jump', target.addr, null, this.bpfFunc(prog));
      if (!r.ok) return r;
      this.extended.add(target.prog); // aux->is_extended
      tr.extension = link;
      return ok(link);
    }
    if (tr.links.some((l) => l.prog === prog)) return fail(EBUSY, `${prog.name} is already attached to ${target.name}`, prog.name);
    if (tr.links.length >= BPF_MAX_TRAMP_LINKS) return fail(E2BIG, `${target.name} already has ${BPF_MAX_TRAMP_LINKS} programs`, prog.name);
    tr.links.push(link);
    const r = this.update(tr);
    if (!r.ok) {
      tr.links.pop();
      return r;
    }
    return ok(link);
  }

  /** bpf_link release: bpf_trampoline_unlink_prog. */
  detach(link: TracingLink): Result<void> {
    const tr = this.tramps.get(key(link.target));
    if (!tr) return fail(EINVAL, `link ${link.id} is not attached`, link.prog.name);
    if (link.kind === 'freplace') {
      if (tr.extension !== link) return fail(EINVAL, `link ${link.id} is not attached`, link.prog.name);
      const r = this.poke('jump', link.target.addr, this.bpfFunc(link.prog), null);
      if (!r.ok) return r;
      tr.extension = null;
      this.extended.delete(link.target.prog);
      return ok(undefined);
    }
    const i = tr.links.indexOf(link);
    if (i < 0) return fail(EINVAL, `link ${link.id} is not attached`, link.prog.name);
    tr.links.splice(i, 1);
    return this.update(tr);
  }

  /** Links currently attached (trampoline order, then extensions). */
  links(): TracingLink[] {
    return [...this.tramps.values()].flatMap((t) => [...t.links, ...(t.extension ? [t.extension] : [])]);
  }

  /** The live trampoline image of a target function, if any program is attached there. */
  trampolineOf(target: AttachTarget): TrampolineImage | undefined {
    return this.tramps.get(key(target))?.image ?? undefined;
  }

  isExtended(prog: KernelProgram): boolean {
    return this.extended.has(prog);
  }

  /** aux->prog_array_member_cnt: how many prog_array slots hold `prog`. */
  progArrayMemberCnt(prog: KernelProgram): number {
    let n = 0;
    const seen = new Set<BpfMap>();
    for (const o of this.eng.model.objects) {
      for (const m of o.maps) {
        if (!(m instanceof ProgArrayMap) || seen.has(m)) continue;
        seen.add(m);
        for (let k = 0; k < m.def.maxEntries; k++) if (m.get(k) === prog) n++;
      }
    }
    return n;
  }

  /**
   * User-space prog_array update with the checks of prog_fd_array_get_ptr (6.13+):
   * EXT programs -EINVAL, extended programs -EBUSY; then the model's update. 0 or -errno.
   */
  updateProgArray(map: BpfMap, key: number, prog: KernelProgram, flags = 0n): number {
    if (map instanceof ProgArrayMap && key < map.def.maxEntries) {
      if (prog.image.progType === 'ext') return -EINVAL;
      if (this.extended.has(prog)) return -EBUSY;
    }
    return this.eng.model.updateProgArray(map, key, prog, flags);
  }

  /** Decodes the bytes at a patch site (a function entry). */
  patchSite(addr: bigint): PatchSite {
    return this.arch.decode(addr, this.eng.machine.readText(addr, this.arch.patchSize));
  }

  // ---- internals ----

  private trampolineState(target: AttachTarget): TrampState {
    const k = key(target);
    let tr = this.tramps.get(k);
    if (!tr) {
      tr = { target, links: [], extension: null, image: null };
      this.tramps.set(k, tr);
    }
    return tr;
  }

  private bpfFunc(prog: KernelProgram): bigint {
    const jp = this.eng.jited(prog);
    if (!jp) throw new Error(`program ${prog.name} is not JITed on this engine`);
    return jp.funcBases[0]!;
  }

  /** bpf_trampoline_update: new image (or none), then one BPF_MOD_CALL poke. */
  private update(tr: TrampState): Result<void> {
    const old = tr.image;
    if (tr.links.length === 0) {
      if (old) {
        const r = this.poke('call', tr.target.addr, old.addr, null);
        if (!r.ok) return r;
      }
      tr.image = null;
      return ok(undefined);
    }
    const routines = this.routinesAddrs();
    const addr = this.allocPage();
    const by = (k: TraceKind): TrampLink[] =>
      tr.links.filter((l) => l.kind === k).map((l) => ({ prog: l.prog.structAddr, bpfFunc: this.bpfFunc(l.prog), cookie: 0n }));
    const tramp = this.arch.build(this.eng, {
      addr,
      funcAddr: tr.target.addr,
      nrArgs: tr.target.nrArgs,
      fentry: by('fentry'),
      fexit: by('fexit'),
      fmodRet: by('fmod_ret'),
      tailCallCtx: tr.target.prog.image.tailCallReachable,
      ...routines,
      im: addr, // struct bpf_tramp_image stands in as the image address: only the enter/exit routines take it
    });
    if (tramp.code.length > PAGE_SIZE) return fail(E2BIG, `trampoline for ${tr.target.name} exceeds a page`, tr.target.prog.name);
    this.eng.machine.writeCode(addr, tramp.code);
    const r = this.poke('call', tr.target.addr, old?.addr ?? null, addr);
    if (!r.ok) return r;
    tr.image = { addr, code: tramp.code, tramp };
    return ok(undefined);
  }

  /** bpf_arch_text_poke at a function entry; -EBUSY when the bytes are not the expected old ones. */
  private poke(kind: 'call' | 'jump', ip: bigint, oldAddr: bigint | null, newAddr: bigint | null): Result<void> {
    if (!this.arch.poke(this.eng, kind, ip, oldAddr, newAddr)) return fail(EBUSY, `patch site 0x${ip.toString(16)} does not hold the expected instruction`);
    return ok(undefined);
  }

  /** The kernel routines trampolines call (mapped on first use). */
  routinesAddrs(): RoutineAddrs {
    if (!this.routines) {
      const base = this.allocPage();
      const { bytes, addrs } = this.arch.routinesPage(base, PAGE_SIZE);
      this.eng.machine.writeCode(base, bytes);
      this.routines = addrs;
    }
    return this.routines;
  }

  /** One mapped executable page in the engine's text area (trampolines, like the prog pack). */
  private allocPage(): bigint {
    const c = this.pages;
    if (c.slot === undefined || BigInt(c.next + 1) * PAGE > TEXT_SLOT) {
      c.slot = this.eng.allocTextSlot();
      c.next = 0;
    }
    const addr = c.slot + BigInt(c.next++) * PAGE;
    this.eng.machine.map(addr, PAGE_SIZE, PERM_RX);
    this.eng.machine.writeCode(addr, new Uint8Array(PAGE_SIZE).fill(this.arch.fillByte));
    return addr;
  }
}

class PageCursor {
  slot: bigint | undefined;
  next = 0;
}

const key = (t: AttachTarget): string => `${t.prog.id}/${t.func}`;
