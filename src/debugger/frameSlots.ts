// `info frame`: every slot of one frame named, from the JIT's FrameLayout — return
// address, saved rbp, the BPF stack (R10-8 ...), the tail-call counter slot(s), saved
// callee-saved registers and, on a 6.13+ private stack, the per-CPU area with its guards.
import { PRIV_STACK_GUARD_VAL } from '../common/kernelStructs.ts';
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { FrameLayout } from '../jit/types.ts';
import type { MemReader } from './unwind.ts';
import { hex64, type FrameSlot, type FrameSlotKind, type FrameSlots } from './view.ts';
import { hexBytes } from '../common/hex.ts';

export interface SlotInput {
  level: number;
  func: string;
  fp: bigint;
  layout: FrameLayout;
  /** Private-stack block [lo, hi) and R10 inside it, when the function has one. */
  priv: { lo: bigint; hi: bigint; framePtr: bigint } | null;
  /** Names a code address ('prog_b+0x3c'). */
  symbolize(addr: bigint): string | null;
  mem: { bytes(addr: bigint, size: number): Uint8Array | undefined } & MemReader;
  prev: FrameSlots | null;
}

const le = (b: Uint8Array): bigint => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);

export type AddSlot = (
  kind: FrameSlotKind,
  name: string,
  base: string,
  baseAddr: bigint,
  fpOff: number,
  size: number,
  note?: (v: bigint) => string | null,
  alert?: (v: bigint) => boolean,
) => void;

/** A slot list and the function that reads one slot into it (changed: against the previous View's frame). */
export function slotAdder(s: SlotInput): { slots: FrameSlot[]; add: AddSlot } {
  const slots: FrameSlot[] = [];
  const prevBytes = new Map((s.prev?.level === s.level ? s.prev.slots : []).map((p) => [p.addr + '/' + p.size, p.bytes]));
  const add: AddSlot = (kind, name, base, baseAddr, fpOff, size, note = () => null, alert = () => false) => {
    const addr = baseAddr + BigInt(fpOff);
    const b = s.mem.bytes(addr, size) ?? new Uint8Array(size);
    const v = le(b);
    const bytes = hexBytes(b);
    const key = hex64(addr) + '/' + size;
    slots.push({
      kind,
      name,
      addr: hex64(addr),
      base,
      fpOff,
      size,
      bytes,
      value: [1, 2, 4, 8].includes(size) ? hex64(v) : null,
      note: note(v),
      alert: alert(v),
      changed: prevBytes.has(key) && prevBytes.get(key) !== bytes,
    });
  };
  return { slots, add };
}

/** Highest address first (return address at the top). */
export function sortSlots(slots: FrameSlot[]): void {
  slots.sort((a, b) => (BigInt(a.addr) > BigInt(b.addr) ? -1 : BigInt(a.addr) < BigInt(b.addr) ? 1 : 0));
}

export function buildFrameSlots(s: SlotInput): FrameSlots {
  const { slots, add } = slotAdder(s);
  const L = s.layout;
  add('return-address', 'return address', 'rbp', s.fp, 8, 8, (v) => (v === SENTINEL_ADDR ? 'sentinel (program exit)' : s.symbolize(v)));
  add('saved-fp', 'saved rbp', 'rbp', s.fp, 0, 8);
  if (!s.priv) for (let off = -8; off >= -L.stackSize; off -= 8) add('bpf-stack', `R10${off}`, 'rbp', s.fp, off, 8);
  for (const t of L.tccSlots) {
    const isPtr = t.name.includes('ptr');
    add(isPtr ? 'tcc-ptr' : 'tcc', t.name, 'rbp', s.fp, t.fpOff, t.size, (v) => {
      if (!isPtr) return `counter = ${v}`;
      if (v <= 33n) return `count = ${v}`;
      const c = s.mem.read(v, 8);
      return c === undefined ? null : `points to counter = ${c}`;
    });
  }
  for (const r of L.saved) if (r.reg !== 'rbp') add('saved-reg', `saved ${r.reg}`, 'rbp', s.fp, r.fpOff, 8);
  if (s.priv) {
    const { lo, hi, framePtr } = s.priv;
    const guardNote = (v: bigint): string => (v === PRIV_STACK_GUARD_VAL ? 'guard intact' : 'GUARD CORRUPTED');
    const bad = (v: bigint): boolean => v !== PRIV_STACK_GUARD_VAL;
    add('priv-guard', 'guard (high)', 'r9', framePtr, Number(hi - 8n - framePtr), 8, guardNote, bad);
    for (let a = framePtr - 8n; a >= lo + 8n; a -= 8n) add('priv-stack', `R10-${Number(framePtr - a)}`, 'r9', framePtr, Number(a - framePtr), 8);
    add('priv-guard', 'guard (low)', 'r9', framePtr, Number(lo - framePtr), 8, guardNote, bad);
  }
  sortSlots(slots);
  return { level: s.level, func: s.func, fpReg: s.priv ? 'r9' : L.fpReg, fp: hex64(s.priv ? s.priv.framePtr : s.fp), slots };
}
