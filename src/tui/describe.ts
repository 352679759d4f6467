// One-line descriptions of View facts, shared by the status bar and panes.
import type { HistoryView, Location, Progress, DebugStop, TailCallCounter, View } from '../debugger/view.ts';

export function describeStop(s: DebugStop | null): string {
  if (!s) return '';
  switch (s.kind) {
    case 'entry':
      return 'stopped at entry';
    case 'breakpoint':
      return `breakpoint ${s.id} (hit ${s.hits})`;
    case 'step':
      return `after ${s.unit}`;
    case 'tail-call': {
      const via = `${s.map}[${s.key}]${s.direct ? ' (direct)' : ''}`;
      return s.taken
        ? `tail call ${s.from.program} -> ${s.to ?? '?'} via ${via}, tcc ${s.tcc}`
        : `tail call not taken at ${s.from.program}:${s.from.insn} via ${via}: ${s.outcome}, tcc ${s.tcc}`;
    }
    case 'poke':
      return `poke #${s.poke} ${s.from}->${s.to} in ${s.program}: ${s.cause}`;
    case 'exit':
      return `exited, retval ${s.retval} (${s.retvalSigned})`;
    case 'fault':
      return `fault: ${s.message}${s.addr ? ` at ${s.addr}` : ''}`;
    case 'interrupted':
      return 'interrupted';
    case 'watchpoint':
      return `watchpoint ${s.id}: ${s.expr} = ${s.value}`;
  }
}

/** 'rec insn 413', 'replay insn 413', 'insn 413'; '/418' after going back (the furthest count reached). */
export function describeHistory(h: HistoryView | null | undefined): string {
  if (!h) return '';
  const mode = h.mode === 'recording' ? 'rec ' : h.mode === 'replay' ? 'replay ' : '';
  const of = h.horizon > h.count ? `/${h.horizon}` : '';
  return `${mode}insn ${h.count}${of}`;
}

export function describeLocation(l: Location | null): string {
  if (!l) return '';
  const at = l.insn === null ? `${l.func}+0x${l.nativeOff.toString(16)}` : `${l.program}:${l.insn}`;
  const fn = l.func !== l.program ? ` in ${l.func}` : '';
  const src = l.source ? ` ${l.source.file}:${l.source.line}` : '';
  return at + fn + src;
}

export function describeTcc(t: TailCallCounter): string {
  const raw = t.counts === 'down' ? ` (${t.value} left)` : '';
  return `tcc ${t.used}/${t.limit}${raw}`;
}

export function describeProgress(p: Progress): string {
  if (p.elapsedMs !== undefined)
    return `${p.label}: ${p.done.toLocaleString('en-US')} insns, ${(p.elapsedMs / 1000).toFixed(1)} s${p.interruptible ? ' (Ctrl-C interrupts)' : ''}`;
  const n = p.total === null ? `${p.done}` : `${p.done}/${p.total}`;
  return `${p.label} ${n}${p.interruptible ? ' (Ctrl-C interrupts)' : ''}`;
}

export function describeRun(v: View): string {
  switch (v.runState) {
    case 'not-started':
      return 'not started (r runs)';
    case 'running':
      return v.progress ? describeProgress(v.progress) : 'running… (Ctrl-C interrupts)';
    case 'exited':
    case 'stopped':
      return describeStop(v.stop) || v.runState;
  }
}
