// Test support: links RISC-V JitImages into guest memory and runs them on Unicorn's riscv64
// (src/machine). Image k goes to TEXT_BASE + k * TEXT_SLOT, its functions back to back
// (16-byte aligned); Reloc pairs are patched with patchAuipcPair; a prog_array lives at
// testEnv.mapAddr(0) with slot k -> image progSlots[k], laid out with the offsets the JIT
// encodes (kernelStructs.ts).
import {
  CTX_BASE,
  HELPER_BASE,
  HELPER_STRIDE,
  KFUNC_BASE,
  KSTACK_BASE,
  KSTACK_SIZE,
  MAP_STRUCT_BASE,
  MAP_VALUE_BASE,
  PROG_STRUCT_BASE,
  TEXT_BASE,
  TEXT_SLOT,
} from '../../../src/common/layout.ts';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, BPF_PROG_BPF_FUNC_OFF } from '../../../src/common/kernelStructs.ts';
import { createMachine, type UnicornMachine } from '../../../src/machine/unicornMachine.ts';
import { PERM_RW, PERM_RX, type StopReason } from '../../../src/machine/machine.ts';
import { patchAuipcPair } from '../../../src/jit/riscv64/index.ts';
import type { JitImage } from '../../../src/jit/types.ts';

export interface Linked {
  /** Guest address of each function, per image. */
  funcAddrs: bigint[][];
  /** [start, end) of all text. */
  textEnd: bigint;
}

export interface RunSetup {
  images: JitImage[];
  /** prog_array slots: slot -> image index (or null for an empty slot). */
  progSlots?: (number | null)[];
  helper?: (id: number, args: bigint[]) => bigint;
  kfunc?: (btfId: number, args: bigint[]) => bigint;
  ctx?: bigint;
  /** Called after loading, before running (add hooks here). */
  prepare?: (m: UnicornMachine, l: Linked) => void;
  budget?: number;
  /** Extra zeroed RW pages to map (e.g. map values at the interpreter test env's DATA). */
  pages?: bigint[];
}

export function link(images: JitImage[]): { bytes: Uint8Array[]; linked: Linked } {
  const funcAddrs: bigint[][] = [];
  const bytes: Uint8Array[] = [];
  let textEnd = TEXT_BASE;
  images.forEach((img, k) => {
    const base = TEXT_BASE + BigInt(k) * TEXT_SLOT;
    const addrs: bigint[] = [];
    let off = 0;
    for (const f of img.funcs) {
      addrs.push(base + BigInt(off));
      off += Math.ceil(f.code.length / 16) * 16;
    }
    const text = new Uint8Array(off);
    img.funcs.forEach((f, j) => {
      const code = f.code.slice();
      const at0 = addrs[j]!;
      for (const r of f.relocs) {
        const pc = at0 + BigInt(r.at);
        if (r.kind === 'helperCall') patchAuipcPair(code, r.at, pc, HELPER_BASE + BigInt(r.helperId) * HELPER_STRIDE);
        else if (r.kind === 'kfuncCall') patchAuipcPair(code, r.at, pc, KFUNC_BASE + BigInt(r.btfId) * HELPER_STRIDE);
        else if (r.kind === 'funcCall' || r.kind === 'funcAddr') patchAuipcPair(code, r.at, pc, addrs[r.func]!);
      }
      text.set(code, Number(at0 - base));
    });
    funcAddrs.push(addrs);
    bytes.push(text);
    textEnd = base + BigInt(off);
  });
  return { bytes, linked: { funcAddrs, textEnd } };
}

export async function runRiscv(s: RunSetup): Promise<{ stop: StopReason; r0: bigint; m: UnicornMachine; linked: Linked }> {
  const m = await createMachine('riscv64');
  const { bytes, linked } = link(s.images);
  bytes.forEach((b, k) => {
    const base = TEXT_BASE + BigInt(k) * TEXT_SLOT;
    m.map(base, Math.max(0x1000, Math.ceil(b.length / 0x1000) * 0x1000), PERM_RX);
    m.writeCode(base, b);
  });
  m.map(KSTACK_BASE, Number(KSTACK_SIZE), PERM_RW);
  m.map(MAP_STRUCT_BASE, 0x1000, PERM_RW);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RW);
  m.map(PROG_STRUCT_BASE, 0x1000, PERM_RW);
  m.map(CTX_BASE, 0x1000, PERM_RW);
  for (const p of s.pages ?? []) m.map(p, 0x1000, PERM_RW);
  const slots = s.progSlots ?? [];
  const u32 = new Uint8Array(4);
  new DataView(u32.buffer).setUint32(0, slots.length, true);
  m.writeMem(MAP_STRUCT_BASE + BigInt(BPF_ARRAY_MAX_ENTRIES_OFF), u32);
  slots.forEach((img, k) => {
    const prog = PROG_STRUCT_BASE + BigInt(k) * 0x100n;
    if (img !== null) m.writeU64(prog + BigInt(BPF_PROG_BPF_FUNC_OFF), linked.funcAddrs[img]![0]!);
    m.writeU64(MAP_STRUCT_BASE + BigInt(BPF_ARRAY_PTRS_OFF) + BigInt(k) * 8n, img === null ? 0n : prog);
  });
  m.installHelperPage(s.helper ?? (() => 0n));
  m.installKfuncPage(s.kfunc ?? (() => 0n));
  m.installSentinel();
  s.prepare?.(m, linked);
  const stop = m.call(linked.funcAddrs[0]![0]!, [s.ctx ?? CTX_BASE], KSTACK_BASE + KSTACK_SIZE, { budget: s.budget ?? 1_000_000 });
  return { stop, r0: m.retval, m, linked };
}
