// A generator of valid random BPF programs for differential testing: every engine (the
// reference interpreter, x86-64 and RISC-V on Unicorn, under every profile) must produce the
// same r0, maps and tail-call counts. Programs are built as synthetic BpfObjects so they go
// through the real analysis (ctx rewrites, div/mod guards, tail-call rewrite, stack depth).
//
// Validity rules the generator keeps (what the verifier would demand):
// - only initialised registers are read; R1-R5 are dead after any call, R0 after a tail call;
// - r10 is only a base for stack accesses (never copied: stack addresses differ per engine);
// - every function zeroes the stack it uses first, so any later load is defined;
// - jumps go forward, except counted loops whose counter the body never writes;
// - bpf2bpf calls go from subprog i to j > i only (no recursion);
// - map-value accesses stay inside the value; ctx reads use readable __sk_buff fields.
import { insn, type Insn } from '../../src/bpf/insn.ts';
import { insnIdx, fileOff } from '../../src/common/ids.ts';
import type { BpfObject, BpfProgram, GlobalVar, LinkedFunc, MapDef } from '../../src/object/types.ts';

const ALU = 0x04,
  ALU64 = 0x07,
  JMP = 0x05,
  JMP32 = 0x06,
  K = 0x00,
  X = 0x08;
const LDX = 0x61,
  STX = 0x63,
  ST = 0x62,
  MEMSX = 0x81; // | size bits
const SIZE_BITS: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };
const ATOMIC = 0xc3;

export { prng } from './prng.ts';
import { prng } from './prng.ts';

export interface GenOptions {
  seed: number;
  /** Approximate body length per function. */
  size?: number;
  subprogs?: boolean;
  tailCalls?: boolean;
  helpers?: boolean;
  loops?: boolean;
  ctx?: boolean;
  atomics?: boolean;
  /** ISA v4 forms (sdiv/smod, movsx, ldsx, bswap, gotol). */
  v4?: boolean;
}

export interface GeneratedCase {
  object: BpfObject;
  /** Name of the program to run. */
  entry: string;
  /** Packet bytes for BPF_PROG_TEST_RUN. */
  data: Uint8Array;
  seed: number;
}

const GLOBAL_MAP = 0,
  ARRAY_MAP = 1,
  PROG_ARRAY = 2;
const GLOBAL_SIZE = 64,
  ARRAY_VALUE = 16,
  ARRAY_ENTRIES = 4,
  PROG_SLOTS = 4;

/** A call to subprogram `target`, resolved when programs are linked. */
interface CallFixup {
  at: number;
  target: number;
}

interface Func {
  insns: Insn[];
  calls: CallFixup[];
}

class FuncGen {
  insns: Insn[] = [];
  calls: CallFixup[] = [];
  init = new Set<number>();
  /** Registers a loop counter holds: never written by the loop body. */
  reserved = new Set<number>();
  depth = 0;

  constructor(
    readonly rnd: () => number,
    readonly opts: Required<Omit<GenOptions, 'seed'>>,
    readonly stackSize: number,
    readonly hasCtx: boolean,
    /** Subprograms this function may call (indices). */
    readonly callees: number[],
    readonly calleeTakesCtx: (i: number) => boolean,
  ) {}

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  imm32(): number {
    const r = this.rnd();
    if (r < 0.3) return this.int(-8, 8);
    if (r < 0.6) return this.int(-1000, 1000);
    if (r < 0.8) return [0x7fffffff, -0x80000000, -1, 0xffff, 0x80, 31, 32, 63][this.int(0, 7)]!;
    return (this.rnd() * 2 ** 32) | 0;
  }

  emit(i: Insn) {
    this.insns.push(i);
  }
  /** Data registers: never r6 while it holds ctx, never r10. */
  dataRegs(): number[] {
    const regs = [0, 1, 2, 3, 4, 5, 7, 8, 9];
    if (!this.hasCtx) regs.push(6);
    return regs;
  }
  initRegs(): number[] {
    return this.dataRegs().filter((r) => this.init.has(r));
  }
  writable(): number[] {
    return this.dataRegs().filter((r) => !this.reserved.has(r));
  }

  movImm(dst: number, v: number) {
    this.emit(insn(ALU64 | 0xb0 | K, dst, 0, 0, v));
    this.init.add(dst);
  }
  ldImm64(dst: number, lo: number, hi: number, src = 0) {
    this.emit(insn(0x18, dst, src, 0, lo));
    this.emit(insn(0, 0, 0, 0, hi));
    this.init.add(dst);
  }
  /** A source register, initialising one if none is. */
  src(): number {
    const regs = this.initRegs();
    if (regs.length > 0 && this.chance(0.9)) return this.pick(regs);
    const r = this.pick(this.writable());
    this.movImm(r, this.imm32());
    return r;
  }
  dst(): number {
    const w = this.writable();
    const initW = w.filter((r) => this.init.has(r));
    if (initW.length && this.chance(0.85)) return this.pick(initW);
    const r = this.pick(w);
    if (!this.init.has(r)) this.movImm(r, this.imm32());
    return r;
  }

  prologue() {
    for (let off = 8; off <= this.stackSize; off += 8) this.emit(insn(0x7a, 10, 0, -off, 0)); // *(u64 *)(r10 - off) = 0
  }

  alu() {
    const is64 = this.chance(0.6);
    const cls = is64 ? ALU64 : ALU;
    const dst = this.dst();
    const ops = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
    const op = this.pick(ops);
    const v4Signed = this.opts.v4 && (op === 0x30 || op === 0x90) && this.chance(0.4);
    if (this.chance(0.5)) {
      const s = this.src();
      this.emit(insn(cls | op | X, dst, s, v4Signed ? 1 : 0, 0));
    } else {
      let imm = this.imm32();
      if (op === 0x60 || op === 0x70 || op === 0xc0) imm = this.int(0, is64 ? 63 : 31);
      if ((op === 0x30 || op === 0x90) && imm === 0) imm = 7; // the verifier rejects div/mod by imm 0
      this.emit(insn(cls | op | K, dst, 0, v4Signed ? 1 : 0, imm));
    }
  }

  unaryOp() {
    const dst = this.dst();
    const r = this.rnd();
    if (r < 0.3)
      this.emit(insn((this.chance(0.5) ? ALU64 : ALU) | 0x80, dst, 0, 0, 0)); // neg
    else if (r < 0.6)
      this.emit(insn(ALU | 0xd0 | (this.chance(0.5) ? 0x08 : 0), dst, 0, 0, this.pick([16, 32, 64]))); // le/be
    else if (this.opts.v4 && r < 0.8)
      this.emit(insn(ALU64 | 0xd0, dst, 0, 0, this.pick([16, 32, 64]))); // bswap
    else if (this.opts.v4) {
      const s = this.src();
      if (this.chance(0.5))
        this.emit(insn(ALU64 | 0xb0 | X, dst, s, this.pick([8, 16, 32]), 0)); // movsx
      else this.emit(insn(ALU | 0xb0 | X, dst, s, this.pick([8, 16]), 0));
    } else this.emit(insn(ALU64 | 0x80, dst, 0, 0, 0));
  }

  stackAccess() {
    if (this.stackSize === 0) return this.alu();
    const size = this.pick([1, 2, 4, 8]);
    const slots = this.stackSize / size;
    const off = -size * this.int(1, slots);
    const r = this.rnd();
    if (r < 0.35) this.emit(insn(STX | SIZE_BITS[size]!, 10, this.src(), off, 0));
    else if (r < 0.5) this.emit(insn(ST | SIZE_BITS[size]!, 10, 0, off, this.imm32()));
    else {
      const dst = this.dst();
      const sx = this.opts.v4 && size !== 8 && this.chance(0.3);
      this.emit(insn((sx ? MEMSX : LDX) | SIZE_BITS[size]!, dst, 10, off, 0));
      this.init.add(dst);
    }
  }

  /** A pointer to the global-data value (PSEUDO_MAP_VALUE), then a load, store or atomic. */
  globalAccess() {
    const ptr = this.pick(this.writable());
    const data = this.initRegs().filter((r) => r !== ptr);
    this.ldImm64(ptr, GLOBAL_MAP, 0, 2);
    const size = this.pick([1, 2, 4, 8]);
    const off = size * this.int(0, GLOBAL_SIZE / size - 1);
    const r = this.rnd();
    const atomicSrcs = data.filter((x) => !this.reserved.has(x));
    if (this.opts.atomics && (size === 4 || size === 8) && r < 0.3 && atomicSrcs.length) {
      // Fetching forms write their source register (cmpxchg writes r0): never a loop counter.
      const s = this.pick(atomicSrcs);
      const op = this.pick([0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1]);
      if (op === 0xf1 && !this.init.has(0)) this.movImm(0, this.imm32());
      this.emit(insn(ATOMIC | (size === 8 ? 0x18 : 0), ptr, s, off, op));
    } else if (r < 0.6 && data.length) {
      this.emit(insn(STX | SIZE_BITS[size]!, ptr, this.pick(data), off, 0));
    } else {
      const dst = this.pick(this.writable());
      this.emit(insn(LDX | SIZE_BITS[size]!, dst, ptr, off, 0));
      this.init.add(dst);
      if (dst === ptr) return;
    }
    // A pointer's bits depend on where the map was placed: never let it reach r0 or memory.
    this.init.delete(ptr);
  }

  ctxRead() {
    if (!this.hasCtx) return this.alu();
    const dst = this.pick(this.writable().filter((r) => r !== 6));
    const field = this.pick([0, 8, 48, 52, 56, 60, 64]); // len, mark, cb[0..4]
    this.emit(insn(LDX, dst, 6, field, 0));
    this.init.add(dst);
  }

  ctxWrite() {
    if (!this.hasCtx) return this.alu();
    const field = this.pick([8, 48, 52, 56, 60, 64]); // mark, cb[]
    this.emit(insn(STX, 6, this.src(), field, 0));
  }

  /** After a call: R1-R5 are dead (the verifier marks them NOT_INIT). */
  clobberCallerSaved() {
    for (let r = 1; r <= 5; r++) this.init.delete(r);
  }

  helperCall() {
    if (this.reserved.size > 0) return this.alu(); // calls clobber r0-r5; keep loops simple
    const r = this.rnd();
    if (r < 0.4) {
      this.emit(insn(JMP | 0x80, 0, 0, 0, this.pick([7, 8]))); // get_prandom_u32, get_smp_processor_id
      this.clobberCallerSaved();
      this.init.add(0);
      return;
    }
    // r0 = bpf_map_lookup_elem(&arr, &key); if (r0) { load/store through r0 }
    if (this.stackSize < 8) return this.alu();
    const key = this.int(0, ARRAY_ENTRIES); // ARRAY_ENTRIES itself: out of range -> NULL
    this.emit(insn(0x62, 10, 0, -8, key)); // *(u32 *)(r10 - 8) = key
    this.ldImm64(1, ARRAY_MAP, 0, 1);
    this.emit(insn(ALU64 | 0xb0 | X, 2, 10, 0, 0)); // r2 = r10
    this.emit(insn(ALU64 | 0x00 | K, 2, 0, 0, -8)); // r2 += -8
    this.emit(insn(JMP | 0x80, 0, 0, 0, 1));
    this.clobberCallerSaved();
    this.init.add(0);
    const body: Insn[] = [];
    const size = this.pick([4, 8]);
    const off = size * this.int(0, ARRAY_VALUE / size - 1);
    const data = this.initRegs().filter((x) => x !== 0);
    if (data.length && this.chance(0.5)) body.push(insn(STX | SIZE_BITS[size]!, 0, this.pick(data), off, 0));
    else body.push(insn(LDX | SIZE_BITS[size]!, 0, 0, off, 0));
    this.emit(insn(JMP | 0x10 | K, 0, 0, body.length, 0)); // if r0 == 0 goto +len
    body.forEach((b) => this.emit(b));
    // r0 holds a pointer or NULL, or a loaded value on one path: dead as data from here.
    this.init.delete(0);
  }

  subprogCall() {
    if (this.callees.length === 0 || this.reserved.size > 0) return this.alu();
    const target = this.pick(this.callees);
    for (let r = 1; r <= 5; r++) if (!this.init.has(r)) this.movImm(r, this.imm32());
    if (this.calleeTakesCtx(target)) {
      if (!this.hasCtx) return this.alu();
      this.emit(insn(ALU64 | 0xb0 | X, 1, 6, 0, 0)); // r1 = ctx
    }
    this.calls.push({ at: this.insns.length, target });
    this.emit(insn(JMP | 0x80, 0, 1, 0, -1));
    this.clobberCallerSaved();
    this.init.add(0);
  }

  tailCall() {
    if (!this.hasCtx || this.reserved.size > 0) return this.alu();
    this.emit(insn(ALU64 | 0xb0 | X, 1, 6, 0, 0)); // r1 = ctx
    this.ldImm64(2, PROG_ARRAY, 0, 1);
    if (this.chance(0.6))
      this.movImm(3, this.int(0, PROG_SLOTS)); // constant key (PROG_SLOTS: out of range)
    else {
      const s = this.initRegs().filter((x) => x > 5 && x !== 6);
      if (s.length) {
        this.emit(insn(ALU64 | 0xb0 | X, 3, this.pick(s), 0, 0));
        this.emit(insn(ALU64 | 0x50 | K, 3, 0, 0, 7)); // r3 &= 7: in or out of range
      } else this.movImm(3, this.int(0, PROG_SLOTS));
    }
    this.emit(insn(JMP | 0x80, 0, 0, 0, 12));
    this.clobberCallerSaved();
    this.init.delete(0);
  }

  /** if (cond) { block }: forward jump over a generated block. */
  branch(budget: number) {
    const is32 = this.chance(0.3);
    const cls = is32 ? JMP32 : JMP;
    const op = this.pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
    const a = this.src();
    const at = this.insns.length;
    if (this.chance(0.5)) this.emit(insn(cls | op | X, a, this.src(), 0, 0));
    else this.emit(insn(cls | op | K, a, 0, 0, this.imm32()));
    const jumpAt = this.insns.length - 1;
    void at;
    const before = new Set(this.init);
    this.depth++;
    this.body(Math.max(1, Math.floor(budget / 2)), false);
    this.depth--;
    const len = this.insns.length - jumpAt - 1;
    if (len > 0x7fff) throw new Error('block too long');
    if (this.opts.v4 && this.chance(0.1)) {
      // gotol form: JMP32|JA with imm — only as an unconditional skip, so emit a plain cond jump.
    }
    this.insns[jumpAt] = { ...this.insns[jumpAt]!, off: len };
    // After the join, only registers initialised on both paths are.
    this.init = new Set([...this.init].filter((r) => before.has(r)));
  }

  /** for (i = N; i != 0; i--) { block }: a counted loop (back edge). */
  loop(budget: number) {
    const free = this.writable().filter((r) => r >= 6 && r !== 6);
    if (free.length === 0) return this.alu();
    const ctr = this.pick(free);
    this.movImm(ctr, this.int(1, 5));
    this.reserved.add(ctr);
    const start = this.insns.length;
    const before = new Set(this.init);
    this.depth++;
    this.body(Math.max(1, Math.floor(budget / 2)), false);
    this.depth--;
    this.emit(insn(ALU64 | 0x10 | K, ctr, 0, 0, 1)); // ctr -= 1
    const off = start - (this.insns.length + 1);
    this.emit(insn(JMP | 0x50 | K, ctr, 0, off, 0)); // if ctr != 0 goto start
    this.reserved.delete(ctr);
    this.init = new Set([...this.init].filter((r) => before.has(r)));
  }

  body(n: number, top: boolean) {
    for (let k = 0; k < n; k++) {
      const r = this.rnd();
      if (r < 0.3) this.alu();
      else if (r < 0.38) this.unaryOp();
      else if (r < 0.5) this.stackAccess();
      else if (r < 0.6) this.globalAccess();
      else if (r < 0.66 && this.opts.ctx) this.ctxRead();
      else if (r < 0.69 && this.opts.ctx) this.ctxWrite();
      else if (r < 0.75 && this.opts.helpers) this.helperCall();
      else if (r < 0.81 && this.opts.subprogs) this.subprogCall();
      else if (r < 0.85 && this.opts.tailCalls && top) this.tailCall();
      else if (r < 0.95 && this.depth < 3) this.branch(Math.min(6, n - k));
      else if (r < 1 && this.opts.loops && this.depth < 2 && this.reserved.size === 0) this.loop(4);
      else this.alu();
    }
  }

  /** Stores a few registers into the global value, sets r0 and exits. */
  epilogue(slot: number) {
    const regs = this.initRegs().filter((r) => r !== 0);
    if (regs.length) {
      const ptr = this.writable().find((r) => r !== 0 && !regs.slice(0, 2).includes(r)) ?? 9;
      const keep = regs.filter((r) => r !== ptr).slice(0, 2);
      this.ldImm64(ptr, GLOBAL_MAP, 0, 2);
      keep.forEach((r, k) => this.emit(insn(STX | 0x18, ptr, r, 8 * ((slot + k) % 8), 0)));
    }
    if (!this.init.has(0)) this.movImm(0, this.imm32());
    this.emit(insn(JMP | 0x90, 0, 0, 0, 0));
  }
}

/** Generates one case: an entry program, tail-call targets in a prog_array, shared subprograms. */
export function generateCase(o: GenOptions): GeneratedCase {
  const opts: Required<Omit<GenOptions, 'seed'>> = {
    size: o.size ?? 24,
    subprogs: o.subprogs ?? true,
    tailCalls: o.tailCalls ?? true,
    helpers: o.helpers ?? true,
    loops: o.loops ?? true,
    ctx: o.ctx ?? true,
    atomics: o.atomics ?? true,
    v4: o.v4 ?? true,
  };
  const rnd = prng(o.seed);
  const nSub = opts.subprogs ? Math.floor(rnd() * 3) : 0;
  const subTakesCtx = Array.from({ length: nSub }, () => opts.tailCalls && rnd() < 0.3);
  const subFuncs: Func[] = [];
  for (let i = nSub - 1; i >= 0; i--) {
    const stack = 8 * Math.floor(rnd() * 5);
    const callees = Array.from({ length: nSub - i - 1 }, (_, k) => i + 1 + k);
    const g = new FuncGen(rnd, opts, stack, subTakesCtx[i]!, callees, (t) => subTakesCtx[t]!);
    for (let r = 1; r <= 5; r++) g.init.add(r);
    g.prologue();
    if (subTakesCtx[i]) {
      g.emit(insn(ALU64 | 0xb0 | X, 6, 1, 0, 0));
      g.init.delete(1);
    }
    g.body(Math.max(2, Math.floor(opts.size / 2)), subTakesCtx[i]!);
    g.epilogue(i + 4);
    subFuncs[i] = { insns: g.insns, calls: g.calls };
  }
  const nProgs = opts.tailCalls ? 1 + Math.floor(rnd() * PROG_SLOTS) : 1;
  const progBodies: Func[] = [];
  for (let p = 0; p < nProgs; p++) {
    const stack = 8 * Math.floor(rnd() * 6);
    const g = new FuncGen(
      rnd,
      opts,
      stack,
      true,
      Array.from({ length: nSub }, (_, k) => k),
      (t) => subTakesCtx[t]!,
    );
    g.emit(insn(ALU64 | 0xb0 | X, 6, 1, 0, 0)); // r6 = ctx
    g.prologue();
    g.body(p === 0 ? opts.size : Math.max(3, Math.floor(opts.size / 2)), true);
    g.epilogue(p);
    progBodies.push({ insns: g.insns, calls: g.calls });
  }
  const names = progBodies.map((_, p) => (p === 0 ? 'entry' : `tail_${p}`));
  const programs = progBodies.map((f, p) => linkProgram(names[p]!, f, subFuncs));
  const initSlots = names.slice(1).map((prog, k) => ({ slot: (k + o.seed) % PROG_SLOTS, prog }));
  // Self tail calls are allowed too: slot of the entry program sometimes.
  if (opts.tailCalls && rnd() < 0.3) {
    const used = new Set(initSlots.map((s) => s.slot));
    const free = [0, 1, 2, 3].find((s) => !used.has(s));
    if (free !== undefined) initSlots.push({ slot: free, prog: 'entry' });
  }
  const maps: MapDef[] = [
    {
      index: GLOBAL_MAP,
      name: 'gen.bss',
      type: 2,
      keySize: 4,
      valueSize: GLOBAL_SIZE,
      maxEntries: 1,
      flags: 0,
      kind: 'bss',
      section: '.bss',
      initialValue: new Uint8Array(GLOBAL_SIZE),
    },
    { index: ARRAY_MAP, name: 'arr', type: 2, keySize: 4, valueSize: ARRAY_VALUE, maxEntries: ARRAY_ENTRIES, flags: 0, kind: 'user' },
    { index: PROG_ARRAY, name: 'jmp_table', type: 3, keySize: 4, valueSize: 4, maxEntries: PROG_SLOTS, flags: 0, kind: 'user', initSlots },
  ];
  const globals: GlobalVar[] = Array.from({ length: GLOBAL_SIZE / 8 }, (_, k) => ({
    name: `g${k}`,
    mapIndex: GLOBAL_MAP,
    section: '.bss',
    offset: 8 * k,
    size: 8,
  }));
  const data = new Uint8Array(14 + Math.floor(rnd() * 100));
  for (let k = 0; k < data.length; k++) data[k] = Math.floor(rnd() * 256);
  const object: BpfObject = {
    path: `<generated seed ${o.seed}>`,
    name: 'gen',
    bytes: new Uint8Array(0),
    license: 'GPL',
    littleEndian: true,
    maps,
    globals,
    programs,
    subprograms: subFuncs.map((f, i) => ({ name: `sub_${i}`, sectionInsn: 0, len: f.insns.length, global: false })),
    sources: new Map(),
  };
  return { object, entry: 'entry', data, seed: o.seed };
}

/** Appends the subprograms a program reaches, in libbpf's discovery order, and fixes call offsets. */
function linkProgram(name: string, main: Func, subs: Func[]): BpfProgram {
  const insns: Insn[] = [...main.insns];
  const funcs: LinkedFunc[] = [{ name, start: insnIdx(0), len: main.insns.length, section: 'tc', sectionInsn: 0, global: true }];
  const startOf = new Map<number, number>();
  const pending: { func: Func; base: number }[] = [{ func: main, base: 0 }];
  while (pending.length) {
    const { func, base } = pending.shift()!;
    for (const c of func.calls) {
      if (!startOf.has(c.target)) {
        startOf.set(c.target, insns.length);
        funcs.push({
          name: `sub_${c.target}`,
          start: insnIdx(insns.length),
          len: subs[c.target]!.insns.length,
          section: '.text',
          sectionInsn: 0,
          global: false,
        });
        pending.push({ func: subs[c.target]!, base: insns.length });
        insns.push(...subs[c.target]!.insns);
      }
      const at = base + c.at;
      insns[at] = { ...insns[at]!, imm: startOf.get(c.target)! - at - 1 };
    }
  }
  return { name, section: 'tc', autoload: true, progType: 'sched_cls', insns, funcs, lineInfo: [], fileOff: fileOff(0) };
}
