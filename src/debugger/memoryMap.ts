// `info memory` (pwndbg's vmmap): every region mapped in the emulated machine, with its
// permissions as the CPU sees them, named from what put it there: the kernel model's
// AddressSpace regions (maps and their values, ctx, packet, kernel stacks, per-CPU areas,
// bpf_prog structs), each program's JIT text slot, BPF trampolines, and the trap pages that
// stand in for kernel text (helpers, kfuncs, thunks, the return sentinel). Inside a region,
// the parts worth knowing are listed under it: global variables in a map's values, the
// private stacks with their guard words in a per-CPU area, this_cpu_off.
import { KSYM_MAX_BTF_ID } from '../common/kallsyms.ts';
import { HELPER_BASE, HELPER_STRIDE, KFUNC_BASE, SENTINEL_ADDR, THUNK_BASE, THIS_CPU_OFF_ADDR } from '../common/layout.ts';
import { PRIV_STACK_GUARD_SZ } from '../common/kernelStructs.ts';
import { PERM_R, PERM_W, PERM_X } from '../machine/machine.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import { hex64, type MemoryRegionView } from './view.ts';

const perms = (p: number): string => `${p & PERM_R ? 'r' : '-'}${p & PERM_W ? 'w' : '-'}${p & PERM_X ? 'x' : '-'}`;

/** What kernel text the trap pages stand for. */
function trapName(base: bigint, end: bigint): string | null {
  const within = (a: bigint): boolean => a >= base && a < end;
  if (within(HELPER_BASE)) return `helper trap page (bpf helper id N at 0x${HELPER_BASE.toString(16)} + N*0x${HELPER_STRIDE.toString(16)})`;
  if (within(THUNK_BASE)) return 'thunks (__x86_return_thunk, __x86_indirect_thunk_rcx)';
  if (within(KFUNC_BASE) || (base > KFUNC_BASE && base < KFUNC_BASE + BigInt(KSYM_MAX_BTF_ID) * HELPER_STRIDE))
    return 'kfunc/ksym trap area (kernel symbols by BTF id)';
  if (within(SENTINEL_ADDR)) return 'return sentinel (hlt: the program returned to the kernel)';
  return null;
}

/** Every mapped region, lowest address first, with its named parts. */
export function buildMemoryMap(t: DebugTarget): MemoryRegionView[] {
  const spaceNames = new Map(t.model.space.regions().map((r) => [r.base, r.name]));
  const out: MemoryRegionView[] = [];
  const regions = [...t.machine.regions()].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  for (const r of regions) {
    const end = r.base + BigInt(r.size);
    const prog = t.programs.find((p) => p.funcBases[0]! >= r.base && p.funcBases[0]! < end);
    const tramp = t.trampolineAt(r.base);
    const name =
      spaceNames.get(r.base) ??
      (prog ? `text ${t.objects.displayName(prog)} (${prog.jit.funcs.map((f) => f.name).join(', ')})` : null) ??
      (tramp ? `trampoline ${tramp.symbol} (${tramp.target.func} of ${t.objects.displayName(tramp.target.prog)})` : null) ??
      trapName(r.base, end) ??
      '(unnamed)';
    out.push({ start: hex64(r.base), end: hex64(end), size: r.size, perms: perms(r.perms), name, parts: parts(t, r.base, end, name) });
  }
  return out;
}

type Part = MemoryRegionView['parts'][number];

const part = (lo: bigint, hi: bigint, name: string): Part => ({ start: hex64(lo), end: hex64(hi), size: Number(hi - lo), name });

function parts(t: DebugTarget, base: bigint, end: bigint, name: string): Part[] {
  const out: Part[] = [];
  if (name.startsWith('text ')) {
    for (const p of t.programs)
      p.jit.funcs.forEach((f, i) => {
        const lo = p.funcBases[i]!;
        if (lo >= base && lo < end) out.push(part(lo, lo + BigInt(f.code.length), `${f.name} (insns ${f.insnStart}..${f.insnStart + f.insnCount - 1})`));
      });
  }
  if (name.startsWith('percpu ')) {
    if (THIS_CPU_OFF_ADDR < BigInt(end - base)) out.push(part(base + THIS_CPU_OFF_ADDR, base + THIS_CPU_OFF_ADDR + 8n, 'this_cpu_off'));
    // Private stacks of this CPU (the one the program runs on): guard word, stack, guard word.
    for (const p of t.programs)
      p.jit.funcs.forEach((f, i) => {
        const a = t.privStackArea(p, i);
        if (!a || a.lo < base || a.lo >= end) return;
        const g = BigInt(PRIV_STACK_GUARD_SZ);
        const who = `${t.objects.displayName(p)}/${f.name}`;
        out.push(part(a.lo, a.lo + g, `guard (low) of ${who}'s private stack`));
        out.push(part(a.lo + g, a.hi - g, `private stack of ${who} (R10 = ${hex64(a.framePtr)})`));
        out.push(part(a.hi - g, a.hi, `guard (high) of ${who}'s private stack`));
      });
  }
  for (const { map } of t.objects.allMaps()) {
    if (map.valueAddr === 0n || map.valueAddr < base || map.valueAddr >= end) continue;
    const owner = t.objects.ownerOf(map);
    const vars = owner?.loaded.object.globals.filter((g) => g.mapIndex === map.def.index) ?? [];
    for (const g of [...vars].sort((a, b) => a.offset - b.offset)) {
      const lo = map.valueAddr + BigInt(g.offset);
      out.push(part(lo, lo + BigInt(g.size), `${g.name} (${g.section})`));
    }
  }
  return out;
}

/** The table `info memory` prints. */
export function memoryMapText(rows: readonly MemoryRegionView[]): string {
  const lines = [`${'Start'.padEnd(18)} ${'End'.padEnd(18)} Perm ${'Size'.padStart(10)}  Name`];
  for (const r of rows) {
    lines.push(`${r.start.padEnd(18)} ${r.end.padEnd(18)} ${r.perms}  ${('0x' + r.size.toString(16)).padStart(10)}  ${r.name}`);
    for (const p of r.parts) lines.push(`  ${p.start.padEnd(18)} ${p.end.padEnd(18)}  ${('0x' + p.size.toString(16)).padStart(10)}    ${p.name}`);
  }
  return lines.join('\n');
}
