// Reverse execution: each reverse command is a search for the latest earlier instruction
// count whose state satisfies a predicate, then TracingMachine.goto(count). Searches walk
// the history backwards in windows of the dense checkpoint spacing; when the predicate
// only holds at known addresses (breakpoints, tail-call sites, function entries) a window
// is first run once with breakpoints on those addresses, and stepped through only if it
// hits one. gdb's meanings: reverse-step/-next stop at the start of the previous BPF
// instruction (-next not inside deeper calls), reverse-finish at the call instruction that
// entered the current function, reverse-continue at the previous breakpoint hit (condition
// true), poke transition, or — with `catch tailcall`, as forward — tail-call site.
import { bytesEqual } from '../common/bytes.ts';
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { DebugTarget } from '../debugger/target/debugTarget.ts';
import type { TracingMachine } from './tracingMachine.ts';
import { recordArch, type RecordArch } from './archState.ts';
import { lineRows, sameLine, type LineRow } from '../debugger/lineTable.ts';
import type { AddressIndex } from '../debugger/target/addressIndex.ts';

export type ReverseWhat = 'stepi' | 'step' | 'next' | 'continue' | 'finish';

export type ReverseOutcome =
  | {
      kind: 'moved';
      to: number;
      reason: 'step' | 'breakpoint' | 'tail-call' | 'poke' | 'finish' | 'watchpoint';
      bp?: number;
      watch?: { before: Uint8Array; after: Uint8Array };
    }
  | { kind: 'start'; to: number }
  | { kind: 'refused'; message: string };

export interface ReverseInput {
  tracer: TracingMachine;
  target: DebugTarget;
  /** Enabled user breakpoints: address -> id, and a condition check at the current state. */
  breakpoints: () => { id: number; addr: bigint; holds: () => boolean }[];
  /** `catch tailcall` is on: tail-call sites stop reverse-continue too (as they stop continue). */
  catchTailcall: boolean;
  /** Counts at which poke transitions happened (sorted ascending). */
  pokeCounts: readonly number[];
  /** Enabled write/access watchpoints: reverse-continue stops before the last write that changed one. */
  watches?: () => { id: number; addr: bigint; size: number }[];
}

/**
 * The latest n in [lo + 1, at] whose state differs from n - 1's in a watched range: the write
 * that instruction n - 1 did. Walks windows backwards, each from one instruction before it.
 */
function lastChange(
  t: TracingMachine,
  lo: number,
  at: number,
  ws: { id: number; addr: bigint; size: number }[],
): { n: number; id: number; before: Uint8Array; after: Uint8Array } | null {
  if (ws.length === 0) return null;
  const read = (w: { addr: bigint; size: number }): Uint8Array => (t.real.isMapped(w.addr, w.size) ? t.real.readMem(w.addr, w.size) : new Uint8Array(w.size));
  const w = t.denseSpacing;
  for (let e = at + 1; e > lo + 1;) {
    const s = Math.max(lo + 1, Math.floor((e - 1) / w) * w);
    let prev: Uint8Array[] | null = null;
    let hit: { n: number; id: number; before: Uint8Array; after: Uint8Array } | null = null;
    t.walk(s - 1, e, (n) => {
      const now = ws.map(read);
      if (prev)
        ws.forEach((x, i) => {
          if (!bytesEqual(prev![i]!, now[i]!)) hit = { n, id: x.id, before: prev![i]!, after: now[i]! };
        });
      prev = now;
    });
    if (hit) return hit;
    e = s;
  }
  return null;
}

/** The latest n in [lo, hi) whose state satisfies pred, or null. */
function findLast(t: TracingMachine, lo: number, hi: number, pred: (n: number) => boolean, addrs: ReadonlySet<bigint> | null): number | null {
  const w = t.denseSpacing;
  for (let e = hi; e > lo;) {
    const s = Math.max(lo, Math.floor((e - 1) / w) * w);
    if (!addrs || t.reachesIn(s, e, addrs)) {
      let last: number | null = null;
      t.walk(s, e, (n) => {
        if (pred(n)) last = n;
      });
      if (last !== null) return last;
    }
    e = s;
  }
  return null;
}

function tailCallSites(target: DebugTarget): Set<bigint> {
  const out = new Set<bigint>();
  for (const p of target.programs)
    p.jit.funcs.forEach((f, i) => {
      for (const r of f.regions) if (r.role.startsWith('tail call')) out.add(p.funcBases[i]! + BigInt(r.start));
    });
  return out;
}

export function reverse(what: ReverseWhat, count: number, inp: ReverseInput): ReverseOutcome {
  const t = inp.tracer;
  const T = t.count;
  if (T === 0) return { kind: 'refused', message: 'already at the start of the recorded history' };
  const idx = inp.target.index;
  const arch = recordArch(t.real.arch);
  let at = T;
  let reason: Extract<ReverseOutcome, { kind: 'moved' }>['reason'] = 'step';
  let bp: number | undefined;
  let watch: { before: Uint8Array; after: Uint8Array } | undefined;
  for (let k = 0; k < count; k++) {
    let found: number | null = null;
    switch (what) {
      case 'stepi':
        found = at - 1;
        break;
      case 'step':
      case 'next': {
        // By source line (gdb): the last instruction of the previous line, then back to
        // where that line began (its first BPF instruction, deeper calls and helpers
        // inside it skipped). -next: not inside deeper calls (a smaller frame identity).
        t.goto(at);
        const fp0 = arch.frame(t.real, idx.lookup(t.real.pc));
        const here = lineHere(t, idx, arch);
        const last = findLast(
          t,
          0,
          at,
          () => {
            const h = lineHere(t, idx, arch);
            if (!h || (what === 'next' && h.fp < fp0)) return false;
            return !here || !here.row || !h.row || !sameLine(h.row, here.row) || h.key !== here.key;
          },
          null,
        );
        if (last === null || !here?.row) {
          found = last;
          break;
        }
        t.goto(last);
        const prev = lineHere(t, idx, arch)!;
        if (!prev.row) {
          found = last;
          break;
        }
        const before = findLast(
          t,
          0,
          last,
          () => {
            const h = lineHere(t, idx, arch);
            if (!h || h.fp < prev.fp) return false;
            return !h.row || !sameLine(h.row, prev.row) || h.key !== prev.key;
          },
          null,
        );
        let first: number | null = null;
        t.walk(before === null ? 0 : before + 1, last + 1, (n) => {
          if (first !== null) return;
          const h = lineHere(t, idx, arch);
          if (h && h.key === prev.key && h.fp === prev.fp && sameLine(h.row, prev.row)) first = n;
        });
        found = first ?? last;
        break;
      }
      case 'finish': {
        // The call that entered the current frame: the latest entry of a function whose
        // frame will be this one.
        t.goto(at);
        const fp0 = arch.frame(t.real, idx.lookup(t.real.pc));
        const entries = new Set<bigint>();
        for (const p of inp.target.programs) for (const b of p.funcBases) entries.add(b);
        const entry = findLast(t, 0, at, () => entries.has(t.real.pc) && arch.entryFrame(t.real) === fp0, entries);
        const outermost = (): ReverseOutcome => {
          t.goto(T);
          return { kind: 'refused', message: '"finish" not meaningful in the outermost frame' };
        };
        if (entry === null) return outermost();
        t.goto(entry);
        // Entered by the kernel's call (returns to the sentinel): nothing called it here.
        if (arch.entryReturn(t.real) === SENTINEL_ADDR || entry === 0) return outermost();
        found = entry - 1;
        reason = 'finish';
        break;
      }
      case 'continue': {
        const bps = inp.breakpoints();
        const sites = inp.catchTailcall ? tailCallSites(inp.target) : new Set<bigint>();
        const addrs = new Set<bigint>([...bps.map((b) => b.addr), ...sites]);
        const hit = findLast(
          t,
          0,
          at,
          () => {
            const pc = t.real.pc;
            return sites.has(pc) || bps.some((q) => q.addr === pc && q.holds());
          },
          addrs,
        );
        let poke: number | null = null;
        for (const c of inp.pokeCounts) if (c < at) poke = c;
        // rr's and gdb's reverse watchpoints: stop before the instruction that wrote. Only a
        // write at or after the breakpoint hit and the poke counts, so the walk ends there.
        // (lastChange's n is in (lo, at]: the write's count n - 1 is below `at` and not before
        // the hit or the poke.)
        const change = lastChange(t, Math.max(hit ?? 0, poke ?? 0), at, inp.watches?.() ?? []);
        if (change) {
          found = change.n - 1;
          reason = 'watchpoint';
          bp = change.id;
          watch = { before: change.before, after: change.after };
        } else if (poke !== null && (hit === null || poke > hit)) {
          found = poke;
          reason = 'poke';
          bp = undefined;
        } else if (hit !== null) {
          found = hit;
          t.goto(hit);
          const pc = t.real.pc;
          const b = bps.find((q) => q.addr === pc && q.holds());
          reason = b ? 'breakpoint' : 'tail-call';
          bp = b?.id;
        }
        break;
      }
    }
    if (found === null || found < 0) {
      t.goto(0);
      return { kind: 'start', to: 0 };
    }
    if (found >= at) {
      t.goto(T);
      return { kind: 'refused', message: 'no earlier point found' };
    }
    at = found;
  }
  t.goto(at);
  return { kind: 'moved', to: at, reason, ...(bp !== undefined ? { bp } : {}), ...(watch ? { watch } : {}) };
}

/** Where the CPU is at a BPF instruction's start: its line row, function and frame (else null). */
function lineHere(t: TracingMachine, idx: AddressIndex, arch: RecordArch): { row: LineRow | null; key: string; fp: bigint } | null {
  const pos = idx.lookup(t.real.pc);
  if (!pos || !pos.atInsnStart || pos.insn === null) return null;
  return { row: lineRows(pos.program.image)[pos.insn] ?? null, key: `${pos.program.progStruct}/${pos.funcIdx}`, fp: arch.frame(t.real, pos) };
}
