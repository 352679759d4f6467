// Scopes and variables of a stop, read from the View: BPF registers (with the native
// register holding each), native registers (the tail-call counter and the private frame
// pointer called out first: rax / the stack slot / a6, and r9), the selected frame's
// slots, maps (prog_array slots, entries) and poke descriptors.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { View } from '../debugger/index.ts';

export type ScopeRef =
  | { kind: 'bpf' }
  | { kind: 'native' }
  | { kind: 'slots' }
  | { kind: 'maps' }
  | { kind: 'map'; index: number }
  | { kind: 'pokes' }
  | { kind: 'poke'; index: number };

type Var = DebugProtocol.Variable;
const leaf = (name: string, value: string, type?: string, memoryReference?: string): Var => ({
  name,
  value,
  variablesReference: 0,
  ...(type ? { type } : {}),
  ...(memoryReference ? { memoryReference } : {}),
});

export const SCOPES: { name: string; ref: ScopeRef; expensive: boolean; hint?: string }[] = [
  { name: 'BPF registers', ref: { kind: 'bpf' }, expensive: false, hint: 'registers' },
  { name: 'Native registers', ref: { kind: 'native' }, expensive: false, hint: 'registers' },
  { name: 'Frame slots', ref: { kind: 'slots' }, expensive: false, hint: 'locals' },
  { name: 'Maps', ref: { kind: 'maps' }, expensive: false },
  { name: 'Pokes', ref: { kind: 'pokes' }, expensive: false },
];

/** The variables of one scope or container; `child` registers an expandable one and returns its reference. */
export function variablesOf(v: View, ref: ScopeRef, child: (r: ScopeRef) => number): Var[] {
  const regs = v.registers;
  switch (ref.kind) {
    case 'bpf':
      return (regs?.bpf ?? []).map((r) => leaf(r.name, r.value, r.native, r.value));
    case 'native': {
      if (!regs) return [];
      const out: Var[] = [];
      const tcc = regs.tailCallCounter;
      if (tcc)
        out.push(
          leaf(
            `tail-call counter (${tcc.where.kind === 'ptr' ? `via ${tcc.where.via}` : tcc.where.kind})`,
            `${tcc.value} (${tcc.used} of ${tcc.limit} used)`,
            tcc.describe,
          ),
        );
      const pfp = regs.privateFramePointer;
      if (pfp) out.push(leaf(`private frame pointer (${pfp.reg})`, pfp.value, `per-CPU private stack ${pfp.areaLo}..${pfp.areaHi}`, pfp.value));
      for (const r of regs.native) out.push(leaf(r.name, r.value, [r.bpf, r.role].filter(Boolean).join(', ') || undefined, r.value));
      if (regs.flags.length) out.push(leaf('flags', regs.flags.join(' ')));
      return out;
    }
    case 'slots':
      return (v.frameSlots?.slots ?? []).map((s) =>
        leaf(
          `${s.name} [${s.base}${s.fpOff < 0 ? '-' : '+'}0x${Math.abs(s.fpOff).toString(16)}]`,
          `${s.alert ? '! ' : ''}${s.value ?? s.bytes}${s.note ? `  ${s.note}` : ''}`,
          s.kind,
          s.addr,
        ),
      );
    case 'maps':
      return v.maps.map((m, i) => ({
        name: m.name,
        value: `${m.type}, key ${m.keySize} B, value ${m.valueSize} B, ${m.maxEntries} entries`,
        variablesReference: child({ kind: 'map', index: i }),
      }));
    case 'map': {
      const m = v.maps[ref.index];
      if (!m) return [];
      if (m.progSlots) return m.progSlots.map((s) => leaf(`[${s.key}]`, s.program ?? '(empty)'));
      const out = (m.entries ?? []).map((e) => leaf(`[${e.keyNum ?? e.key}]`, e.valueNum ?? e.value, e.valueNum ? e.value : undefined));
      if (m.truncated) out.push(leaf('…', `${m.totalEntries - out.length} more`));
      return out;
    }
    case 'pokes':
      return v.pokes.map((p, i) => ({
        name: `#${p.index} ${p.program}:${p.insn}`,
        value: `${p.state}: ${p.map}[${p.key}] -> ${p.jumpsTo ?? 'out (bypass)'}`,
        variablesReference: child({ kind: 'poke', index: i }),
      }));
    case 'poke': {
      const p = v.pokes[ref.index];
      if (!p) return [];
      return [
        leaf('state', p.state, 'A nop5/nop5, B nop5/jmp, C jmp out/nop5, D jmp out/jmp'),
        leaf('slot', p.slotProgram ?? '(empty)', `${p.map}[${p.key}]`),
        leaf('tailcall_bypass', `${p.bypass.asm}  (${p.bypass.bytes})`, undefined, p.bypass.addr),
        leaf('tailcall_target', `${p.target.asm}  (${p.target.bytes})`, undefined, p.target.addr),
        leaf('adj_off', String(p.adjOff)),
        ...(p.pendingGracePeriod ? [leaf('grace period', `waiting for ${p.pendingGracePeriod.waitingFor}`)] : []),
        ...(p.lastTransition ? [leaf('last transition', `${p.lastTransition.from}->${p.lastTransition.to}: ${p.lastTransition.cause}`)] : []),
      ];
    }
  }
}
