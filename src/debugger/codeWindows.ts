// Disassembly (BPF, native and source interleaved) and source windows around the PC.
// Decoding a function with Capstone is the expensive part (~1 s for a 160,000-insn
// program), so each function's lines are built once and a View only slices a window and
// sets markers. When the machine's code generation moves (a poke, a load, reverse
// execution or a replayed map update restoring code) the lines are kept if the function's
// bytes and address are what they were built from, and rebuilt otherwise.
import { insnIdx, type InsnIdx } from '../common/ids.ts';
import { disasmInsn } from '../bpf/disasm.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import type { DebugProgram } from './target/loadedProgram.ts';
import { hex64, type DisasmLine, type DisasmWindow, type InsnMarkers, type SourceWindow } from './view.ts';
import { hexBytes } from '../common/hex.ts';
import { bytesEqual } from '../common/bytes.ts';

const NO_MARKS: InsnMarkers = { current: false, breakpoint: null, breakpointEnabled: false, poke: null, pokeSite: null, tailCall: null };

interface FuncLines {
  lines: DisasmLine[];
  /** Native address of each 'native' line, by line index. */
  addrOf: (bigint | null)[];
  /** Line index of each native address (a View looks the PC up at every step). */
  lineOf: Map<bigint, number>;
  /** Where the function was and the bytes the lines were decoded from. */
  base: bigint;
  code: Uint8Array;
}

export class CodeWindows {
  private cache = new Map<string, FuncLines>();
  /** Entries to check against the code before their next use. */
  private stale = new Set<string>();
  /** The machine's code generation the entries not in `stale` were checked at. */
  private generation: number;

  constructor(private readonly t: DebugTarget) {
    this.generation = t.machine.codeGeneration;
  }

  funcLines(p: DebugProgram, fi: number): FuncLines {
    const key = `${p.kernel.id}/${fi}`;
    const f = p.jit.funcs[fi]!;
    const base = p.funcBases[fi]!;
    // Code may have changed since: check each function's bytes on its next use.
    if (this.t.machine.codeGeneration !== this.generation) {
      this.generation = this.t.machine.codeGeneration;
      this.stale = new Set(this.cache.keys());
    }
    const hit = this.cache.get(key);
    if (hit && !this.stale.has(key)) return hit;
    const code = this.t.machine.readMem(base, f.code.length);
    this.stale.delete(key);
    if (hit && hit.base === base && bytesEqual(hit.code, code)) return hit;
    const natives = this.t.disassembler.disasm(code, base);
    const lines: DisasmLine[] = [{ kind: 'func', func: f.name, addr: hex64(base) }];
    const addrOf: (bigint | null)[] = [null];
    const tcInsns = new Map<number, 'direct' | 'indirect'>();
    for (const r of f.regions)
      if (r.role.startsWith('tail call') && r.insn !== undefined) tcInsns.set(r.insn, r.role.includes('indirect') ? 'indirect' : 'direct');
    const pokeAt = new Map<bigint, { poke: number; site: 'bypass' | 'target' }>();
    const pokeOfInsn = new Map<number, number>();
    for (const d of p.jit.pokes) {
      if (d.func !== fi) continue;
      pokeAt.set(base + BigInt(d.tailcallBypass), { poke: d.index, site: 'bypass' });
      pokeAt.set(base + BigInt(d.tailcallTarget), { poke: d.index, site: 'target' });
      pokeOfInsn.set(d.insn, d.index);
    }
    let lastLine = -1;
    let curInsn: InsnIdx | null = null;
    // Native instructions come in address order: one forward walk over the insn offsets.
    let k = 0;
    const insnOfOff = (off: number): InsnIdx | null => {
      while (k < f.insnCount && f.addrs[k + 1]! <= off) k++;
      // An insn with no native code (addrs[k] === addrs[k + 1]) is skipped by the walk.
      return k < f.insnCount && f.addrs[k]! <= off && off < f.addrs[k + 1]! ? insnIdx(f.insnStart + k) : null;
    };
    for (const n of natives) {
      const off = Number(n.addr - base);
      const insn = insnOfOff(off);
      if (insn !== null && insn !== curInsn && f.addrs[insn - f.insnStart] === off) {
        curInsn = insn;
        const src = p.image.sourceOf(insn);
        if (src && src.line !== lastLine) {
          lastLine = src.line;
          lines.push({ kind: 'source', file: src.file, line: src.line, text: src.text.trim() });
          addrOf.push(null);
        }
        const tc = tcInsns.get(insn) ?? null;
        const pk = pokeOfInsn.get(insn) ?? null;
        let text = disasmInsn(p.image.insns, insn, { symbolic: true, mapName: (i) => this.t.loaded.maps[i]?.name });
        if (tc) text = `tail_call (${tc}${pk !== null ? `, poke #${pk}` : ''})`;
        lines.push({ kind: 'bpf', insn, text, markers: { ...NO_MARKS, tailCall: tc, poke: pk } });
        addrOf.push(null);
      }
      const region = f.regions.find((r) => r.start <= off && off < r.end)?.role ?? null;
      const pk = pokeAt.get(n.addr);
      const tc = insn !== null ? (tcInsns.get(insn) ?? null) : null;
      lines.push({
        kind: 'native',
        insn,
        addr: hex64(n.addr),
        off,
        bytes: hexBytes(n.bytes),
        text: this.t.disassembler.format(n),
        region,
        markers: { ...NO_MARKS, poke: pk?.poke ?? null, pokeSite: pk?.site ?? null, tailCall: pk ? tc : null },
      });
      addrOf.push(n.addr);
    }
    const lineOf = new Map<bigint, number>();
    addrOf.forEach((a, i) => {
      if (a !== null) lineOf.set(a, i);
    });
    const out = { lines, addrOf, lineOf, base, code };
    this.cache.set(key, out);
    return out;
  }

  /** A window of `size` lines around the PC (or around `at`), with markers applied. */
  disasmWindow(p: DebugProgram, fi: number, pc: bigint | null, bps: Map<bigint, { id: number; enabled: boolean }>, size = 40, all = false): DisasmWindow {
    const fl = this.funcLines(p, fi);
    let cur = pc === null ? -1 : (fl.lineOf.get(pc) ?? -1);
    let lo = 0;
    let hi = fl.lines.length;
    if (!all) {
      const center = cur >= 0 ? cur : 0;
      lo = Math.max(0, Math.min(center - Math.floor(size / 3), fl.lines.length - size));
      hi = Math.min(fl.lines.length, lo + size);
    }
    const lines: DisasmLine[] = [];
    for (let i = lo; i < hi; i++) {
      const l = fl.lines[i]!;
      if (l.kind === 'native') {
        const a = fl.addrOf[i]!;
        const bp = bps.get(a);
        if (a === pc || bp) {
          lines.push({ ...l, markers: { ...l.markers, current: a === pc, breakpoint: bp?.id ?? null, breakpointEnabled: bp?.enabled ?? false } });
          continue;
        }
      } else if (l.kind === 'bpf') {
        const a = p.funcBases[fi]! + BigInt(p.jit.funcs[fi]!.addrs[l.insn - p.jit.funcs[fi]!.insnStart]!);
        const bp = bps.get(a);
        if (bp) {
          lines.push({ ...l, markers: { ...l.markers, breakpoint: bp.id, breakpointEnabled: bp.enabled } });
          continue;
        }
      }
      lines.push(l);
    }
    if (cur >= 0) cur -= lo;
    return { program: p.name, func: p.jit.funcs[fi]!.name, lines, current: cur >= 0 ? cur : null };
  }
}

/** Source lines of `file` around `line` (from BTF line info: only lines that carry code). */
export function sourceWindow(
  sources: Map<string, Map<number, string>>,
  file: string,
  line: number | null,
  bpLines: Set<number>,
  size = 15,
): SourceWindow | null {
  const src = sources.get(file);
  if (!src) return null;
  const all = [...src.keys()].sort((a, b) => a - b);
  const center =
    line === null
      ? 0
      : Math.max(
          0,
          all.findIndex((l) => l >= line),
        );
  const lo = Math.max(0, Math.min(center - Math.floor(size / 2), all.length - size));
  const lines = all.slice(lo, lo + size).map((l) => ({ line: l, text: src.get(l)!, current: l === line, breakpoint: bpLines.has(l) }));
  return { file, lines, current: line };
}
