// Where the tail-call counter lives at a PC, and its value (x86-64 reference §3.2/3.3):
//  - by pointer (6.12+): [rbp-rsd-16] = tcc_ptr -> the one live u64 counter; at a main
//    program's entry / a tail-call landing rax carries a count (<= 33) or the pointer;
//  - by value (5.10-6.11): the dword at [rbp-rsd-4]; rax carries count << 32 at hand-over.
import { MAX_TAIL_CALL_CNT } from '../common/kernelStructs.ts';
import type { JitProfile } from '../jit/types.ts';
import type { CodePosition } from './target/loadedProgram.ts';
import type { MemReader } from './unwind.ts';
import { hex64, type TailCallCounter, type TccLocation } from './view.ts';

export interface TccReading {
  value: number;
  where: TccLocation;
  describe: string;
}

const hx = (n: number): string => (n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16));

/** The counter as seen from a frame whose function holds `pos`; null without a counter. */
export function readTcc(profile: JitProfile, pos: CodePosition, fp: bigint, rsp: bigint, rax: bigint, mem: MemReader, frame0: boolean): TccReading | null {
  const slots = pos.func.frame.tccSlots;
  if (slots.length === 0) return null;
  const prologueDone = pos.off >= (pos.func.addrs[0] ?? 0);
  if (profile.tcc === 'by-value') {
    const slot = slots[0]!;
    const addr = fp + BigInt(slot.fpOff);
    if (frame0 && (!prologueDone || addr < rsp)) {
      const v = Number((rax >> 32n) & 0xffffffffn);
      return { value: v, where: { kind: 'rax' }, describe: `rax = ${v} << 32 (hand-over)` };
    }
    const v = Number(mem.read(addr, 4) ?? 0n);
    return { value: v, where: { kind: 'stack', addr: hex64(addr), fpOff: slot.fpOff }, describe: `dword [rbp${hx(slot.fpOff)}] = ${v}` };
  }
  const ptrSlot = slots.find((s) => s.name === 'tail_call_cnt_ptr') ?? slots[slots.length - 1]!;
  const slotAddr = fp + BigInt(ptrSlot.fpOff);
  if (frame0 && (!prologueDone || slotAddr < rsp)) {
    if (rax <= BigInt(MAX_TAIL_CALL_CNT)) {
      return { value: Number(rax), where: { kind: 'rax' }, describe: `rax = ${rax} (count handed over)` };
    }
    const v = Number(mem.read(rax, 8) ?? 0n);
    return { value: v, where: { kind: 'rax' }, describe: `rax = tcc_ptr -> ${hex64(rax)} = ${v}` };
  }
  const counterAddr = mem.read(slotAddr, 8) ?? 0n;
  const v = Number(mem.read(counterAddr, 8) ?? 0n);
  return {
    value: v,
    where: { kind: 'ptr', slotAddr: hex64(slotAddr), slotFpOff: ptrSlot.fpOff, via: 'slot', counterAddr: hex64(counterAddr) },
    describe: `tcc_ptr [rbp${hx(ptrSlot.fpOff)}] -> ${hex64(counterAddr)} = ${v}`,
  };
}

export function counterView(r: TccReading, changed: boolean): TailCallCounter {
  return { value: r.value, used: r.value, limit: MAX_TAIL_CALL_CNT, counts: 'up', where: r.where, describe: r.describe, changed };
}
