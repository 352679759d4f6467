// `info symbol ADDR`: what an address is, in gdb's words (`SYM + OFF in section SEC`).
// Code: the program and function, the BPF instruction and its ELF section; trampolines and
// trap pages by their kernel names; data: the global variable (or map) it falls in, else
// the memory map's region (ctx, packet, kernel stack, per-CPU area...). ADDR may also be a
// BPF instruction (`PROG:INSN`): its native address first.
import type { Diag } from '../common/diag.ts';
import { ksymBtfIdAt } from '../common/kallsyms.ts';
import { HELPER_BASE, HELPER_STRIDE } from '../common/layout.ts';
import { helperName } from '../bpf/helperIds.ts';
import { kfuncName } from '../kernel/kfuncs.ts';
import { parseLocation } from './commands/parseLocation.ts';
import { evalExpr } from './expr/evalExpr.ts';
import { parseExpr } from './expr/parseExpr.ts';
import { buildMemoryMap } from './memoryMap.ts';
import { resolveLocation } from './resolveLocation.ts';
import type { CommandContext } from './commandContext.ts';
import { hex64 } from './view.ts';

const off = (n: bigint): string => (n === 0n ? '' : ` + ${n}`);

/** The symbolic description of `addr`, or null when nothing is mapped there. */
export function describeAddress(s: CommandContext, addr: bigint): string | null {
  const t = s.target;
  const pos = t.index.lookup(addr);
  if (pos) {
    const prog = t.objects.displayName(pos.program);
    const insn = pos.insn === null ? 'in the prologue' : `BPF insn ${pos.insn}${pos.atInsnStart ? '' : ' (inside its native code)'}`;
    const fn = pos.func.name === prog ? prog : `${prog}/${pos.func.name}`;
    return `${fn}${off(BigInt(pos.off))} in section ${pos.program.image.program.section} (${insn})`;
  }
  const tr = t.trampolineAt(addr);
  if (tr) return `${tr.symbol}${off(addr - tr.addr)} (BPF trampoline of ${tr.target.func})`;
  const h = addr - HELPER_BASE;
  if (h >= 0n && h < 0x100000n && h % HELPER_STRIDE === 0n) return `${helperName(Number(h / HELPER_STRIDE))} (helper trap page)`;
  const k = ksymBtfIdAt(addr);
  if (k !== undefined) {
    const name = kfuncName(
      t.objects.objects.map((o) => ({ object: o.loaded.object })),
      k,
    );
    return `${name ?? `kernel symbol of BTF id ${k}`} (kfunc/ksym trap area)`;
  }
  for (const { map } of t.objects.allMaps()) {
    const name = t.objects.mapDisplayName(map);
    if (map.valueAddr !== 0n) {
      const owner = t.objects.ownerOf(map);
      for (const g of owner?.loaded.object.globals.filter((v) => v.mapIndex === map.def.index) ?? []) {
        const lo = map.valueAddr + BigInt(g.offset);
        if (addr >= lo && addr < lo + BigInt(g.size)) return `${g.name}${off(addr - lo)} in section ${g.section} (map ${name})`;
      }
      const len = BigInt(map.def.valueSize) * BigInt(map.def.maxEntries);
      if (addr >= map.valueAddr && addr < map.valueAddr + len) {
        const rel = addr - map.valueAddr;
        const vs = BigInt(map.def.valueSize || 1);
        return `map ${name} value [${rel / vs}]${off(rel % vs)}`;
      }
    }
    if (addr >= map.addr && addr < map.struct.base + BigInt(map.struct.size)) return `map ${name}${off(addr - map.addr)} (struct bpf_map)`;
  }
  for (const r of buildMemoryMap(t)) {
    const lo = BigInt(r.start);
    if (addr < lo || addr >= BigInt(r.end)) continue;
    const p = r.parts.find((q) => addr >= BigInt(q.start) && addr < BigInt(q.end));
    if (p) return `${p.name}${off(addr - BigInt(p.start))} (in ${r.name})`;
    return `${r.name}${off(addr - lo)}`;
  }
  return null;
}

function globalAddress(s: CommandContext, name: string): bigint | null {
  const g = s.target.objects.findGlobal(name, s.scopeObject());
  if (g.ok) return g.value.map.valueAddr + BigInt(g.value.off);
  const m = s.target.objects.findMap(name, s.scopeObject());
  return m.ok ? m.value.addr : null;
}

export function infoSymbol(s: CommandContext, arg: string | null): Diag | null {
  if (!arg) return { code: 'cmd.bad-address', message: 'info symbol: an address (or PROG:INSN) is required', place: {} };
  let addr: bigint;
  // `entry:10`: a BPF instruction, by its native address.
  if (/^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?:\d+$/.test(arg.trim())) {
    const loc = parseLocation(arg);
    if (!loc.ok) return loc.error;
    const r = resolveLocation(s, loc.value);
    if (!r.ok) return r.error;
    addr = r.value.addr;
  } else if (/^[A-Za-z_][\w.]*$/.test(arg.trim()) && globalAddress(s, arg.trim()) !== null) {
    // A global's name is its address here (gdb would take &hops): its value says nothing.
    addr = globalAddress(s, arg.trim())!;
  } else {
    const e = parseExpr(arg);
    if (!e.ok) return e.error;
    const v = evalExpr(e.value, s.exprEnv());
    if (!v.ok) return v.error;
    addr = v.value;
  }
  const d = describeAddress(s, addr);
  s.print(d === null ? `No symbol matches ${arg}.` : `${hex64(addr)}: ${d}`);
  return null;
}
