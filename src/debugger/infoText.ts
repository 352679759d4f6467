// Text forms of `info ...`, `backtrace`, `frame`, `disassemble` and `list`, built from the
// current View (nothing changed since it was made: these commands only look).
import { insnIdx, type InsnIdx } from '../common/ids.ts';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { err, ok, type Result } from '../common/diag.ts';
import { lineRows, sameLine } from './lineTable.ts';
import type { ExamineFormat } from './commands/types.ts';
import { symbolize } from './pokesView.ts';
import type { TrampolineInfo } from './target/objects.ts';
import type { CommandContext } from './commandContext.ts';
import type { DebugProgram } from './target/loadedProgram.ts';
import type { DisasmLine, Frame, FrameSlots } from './view.ts';

const pad = (s: string, n: number): string => s.padEnd(n);

export function formatUnit(v: bigint, unit: number, f: ExamineFormat): string {
  const bits = unit * 8;
  switch (f) {
    case 'x':
      return '0x' + v.toString(16).padStart(unit * 2, '0');
    case 'd':
      return BigInt.asIntN(bits, v).toString();
    case 'o':
      return '0' + v.toString(8);
    case 't':
      return v.toString(2).padStart(bits, '0');
    case 'c':
      return JSON.stringify(String.fromCharCode(Number(v & 0xffn)));
    default:
      return v.toString();
  }
}

export function registers(s: CommandContext): string {
  const r = s.view().registers;
  if (!r) return '(no registers)';
  const lines = r.native.map((n) => {
    const tags = [n.bpf, n.role].filter(Boolean).join(', ');
    return `${pad(n.name, 7)} ${pad(n.value, 20)}${n.changed ? '*' : ' '}${tags ? ` ${tags}` : ''}`;
  });
  if (s.target.arch === 'x86_64') lines.push(`flags   [${r.flags.join(' ')}]`);
  lines.push('BPF:    ' + r.bpf.map((b) => `${b.name}=${b.value}${b.native === 'r9' ? ' (r9)' : ''}`).join(' '));
  if (r.privateFramePointer) {
    const p = r.privateFramePointer;
    lines.push(`R10 is the private frame pointer r9 = ${p.value} (per-CPU area ${p.areaLo}..${p.areaHi})`);
  }
  const t = r.tailCallCounter;
  if (t) {
    const where =
      t.where.kind === 'rax'
        ? 'in rax'
        : t.where.kind === 'stack'
          ? `in the stack slot ${t.where.addr}`
          : t.where.kind === 'ptr'
            ? `via the slot ${t.where.slotAddr} (rbp${t.where.slotFpOff}) -> counter at ${t.where.counterAddr}`
            : `in ${t.where.kind}`;
    if (t.counts === 'down') lines.push(`tail-call counter ${t.value} left of ${t.limit}, ${t.used} used (${where}): ${t.describe}`);
    else lines.push(`tail-call counter ${t.value} of ${t.limit} (${where}): ${t.describe}`);
  } else lines.push('tail-call counter: none (program is not tail_call_reachable)');
  return lines.join('\n');
}

export function breakpoints(s: CommandContext): string {
  const hits = (n: number): string => (n ? ` (hit ${n} time${n > 1 ? 's' : ''})` : '');
  const rows: [number, string][] = [
    ...s.bps
      .all()
      .map((b): [number, string] => [
        b.id,
        `${pad(String(b.id), 4)} ${pad(b.temporary ? 'tbreakpoint' : 'breakpoint', 11)} ${b.enabled ? 'y' : 'n'}   0x${b.addr.toString(16)}  ${b.spec}` +
          `${b.condText ? ` if ${b.condText}` : ''}${hits(b.hits)}`,
      ]),
    ...s.bps
      .allCatches()
      .map((c): [number, string] => [
        c.id,
        `${pad(String(c.id), 4)} ${pad('catchpoint', 11)} ${c.enabled ? 'y' : 'n'}   ${pad('', 18)}  ${c.what === 'tailcall' ? 'tail call (taken or not)' : 'poke transition'}${hits(c.hits)}`,
      ]),
    ...s.bps
      .watches()
      .map((w): [number, string] => [
        w.id,
        `${pad(String(w.id), 4)} ${pad(w.access === 'write' ? 'watchpoint' : w.access === 'read' ? 'rwatchpoint' : 'awatchpoint', 11)} ${w.enabled ? 'y' : 'n'}   0x${w.addr.toString(16).padEnd(16)}  ${w.text}${hits(w.hits)}`,
      ]),
  ];
  if (rows.length === 0) return 'No breakpoints or catchpoints.';
  return ['Num  Type        Enb Address             What', ...rows.sort((a, b) => a[0] - b[0]).map(([, r]) => r)].join('\n');
}

export function frameLine(s: CommandContext, level: number): string {
  const f = s.view().frames[level];
  if (!f) return `#${level} ?`;
  return frameText(f);
}

function frameText(f: Frame): string {
  const tr = f.trampoline;
  if (tr) {
    const progs = [
      ['fentry', tr.fentry],
      ['fmod_ret', tr.fmodRet],
      ['fexit', tr.fexit],
    ]
      .filter(([, l]) => l!.length)
      .map(([k, l]) => `${k} ${(l as string[]).join(', ')}`)
      .join('; ');
    const phase =
      tr.phase === 'original'
        ? `calling the original ${tr.target.func}`
        : tr.phase === 'fexit'
          ? `${tr.target.func} returned, running fexit`
          : `running fentry before ${tr.target.func}`;
    return `#${f.level}  ${f.nativeAddr} in ${tr.symbol} [trampoline of ${tr.target.func} (${tr.target.program}): ${progs}; ${phase}]`;
  }
  const src = f.source ? ` at ${f.source.file}:${f.source.line}` : '';
  const tcc = f.tcc !== null ? ` tcc=${f.tcc}` : '';
  const patched = f.atPatchSite ? ' [entry: its patch site called the trampoline]' : '';
  const repl = f.replacing ? ` [freplace of ${f.replacing.func} (${f.replacing.program})]` : '';
  return `#${f.level}  ${f.nativeAddr} in ${f.func} (${f.program}:${f.insn ?? '-'})${src}${tcc}${f.privateStack ? ' [private stack]' : ''}${patched}${repl}`;
}

/** One frame of a backtrace: its line, then the tail-call hops it went through, newest first. */
export function frameBlock(f: Frame): string[] {
  const lines = [frameText(f)];
  for (let i = f.replaced.length - 1; i >= 0; i--) {
    const h = f.replaced[i]!;
    lines.push(
      `    replaced ${h.program}:${h.insn}${h.func !== h.program ? ` (${h.func})` : ''} --tail call ${h.map}[${h.key}] ${h.direct ? 'direct' : 'indirect'}--> ${h.to}, tcc ${h.tcc}`,
    );
  }
  return lines;
}

export function backtrace(s: CommandContext, limit: number | null): string {
  const v = s.view();
  const frames = limit === null ? v.frames : v.frames.slice(0, limit);
  return frames.flatMap(frameBlock).join('\n') || 'No stack.';
}

/** `info frame`'s rows for a frame's slots (highest address first). */
export function slotLines(fs: FrameSlots, indent = '  '): string[] {
  return fs.slots.map((sl) => {
    const off = `${sl.base}${sl.fpOff >= 0 ? '+' : ''}${sl.fpOff}`;
    return `${indent}${pad(sl.addr, 20)} ${pad(off, 10)} ${pad(sl.name, 24)} ${pad(sl.value ?? sl.bytes, 20)}${sl.note ? ` ${sl.note}` : ''}${sl.alert ? ' !!' : ''}`;
  });
}

export function frameSlotsText(s: CommandContext): string {
  const v = s.view();
  const fs = v.frameSlots;
  const f = v.frames[s.selectedFrame];
  if (f?.trampoline) return `Frame #${f.level} is ${f.trampoline.symbol} at ${f.trampoline.addr}, rbp/s0 = ${f.fp}: a BPF trampoline, no BPF stack of its own`;
  if (f?.atPatchSite) return `Frame #${f.level} ${f.func} (${f.program}) has not started: it waits at its patched entry ${f.nativeAddr}`;
  if (!fs || !f) return 'No frame.';
  const lines = [`Frame #${fs.level} ${fs.func} (${f.program}), ${fs.fpReg} = ${fs.fp}${f.privateStack ? ', BPF stack on the per-CPU private stack' : ''}`];
  lines.push(...slotLines(fs));
  return lines.join('\n');
}

export function pokes(s: CommandContext): string {
  const ps = s.view().pokes;
  const sites = attachSites(s);
  if (ps.length === 0) return ['No poke descriptors (no direct tail calls).', ...sites].join('\n');
  return [
    ...ps.map((p) =>
      [
        `poke #${p.index} ${p.program}:${p.insn}${p.func !== p.program ? ` (${p.func})` : ''} ${p.map}[${p.key}] state ${p.state}` +
          ` slot=${p.slotProgram ?? '(empty)'} target=${p.jumpsTo ?? '(none)'}`,
        `    bypass ${p.bypass.addr}: ${p.bypass.bytes}  ${p.bypass.asm}`,
        `    target ${p.target.addr}: ${p.target.bytes}  ${p.target.asm}`,
        ...(p.lastTransition ? [`    last ${p.lastTransition.from}->${p.lastTransition.to} (${p.lastTransition.cause})`] : []),
        ...(p.pendingGracePeriod ? [`    grace period pending: waiting for ${p.pendingGracePeriod.waitingFor}`] : []),
      ].join('\n'),
    ),
    ...sites,
  ].join('\n');
}

/** Function entries patched by attached programs (bpf_arch_text_poke at bpf_func). */
function attachSites(s: CommandContext): string[] {
  const ls = s.view().links ?? [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of ls) {
    if (seen.has(l.site.addr)) continue;
    seen.add(l.site.addr);
    out.push(`attach site ${l.target.func} (${l.target.program}) ${l.site.addr}: ${l.site.bytes}  ${l.site.asm}`);
    const tr = l.trampoline;
    if (tr)
      out.push(
        `    ${tr.symbol} at ${tr.addr} (${tr.size} bytes):${tr.fentry.length ? ` fentry ${tr.fentry.join(', ')}` : ''}${tr.fmodRet.length ? ` fmod_ret ${tr.fmodRet.join(', ')}` : ''}${tr.fexit.length ? ` fexit ${tr.fexit.join(', ')}` : ''}`,
      );
  }
  return out;
}

export function links(s: CommandContext): string {
  const ls = s.view().links ?? [];
  if (ls.length === 0) return 'No links (attach an fentry, fexit, fmod_ret or freplace program with "attach").';
  return ls.map((l) => `${l.id}: ${l.program} (${l.kind}) -> ${l.target.func} of ${l.target.program}  site ${l.site.addr}: ${l.site.asm}`).join('\n');
}

export function objects(s: CommandContext): string {
  const v = s.view();
  const lines = (v.objects ?? []).map(
    (o) =>
      `${o.name}${o.main ? ' (main)' : ''}  ${o.path}\n    programs: ${o.programs.join(', ') || '(none)'}${o.maps.length ? `\n    maps: ${o.maps.join(', ')}` : ''}`,
  );
  for (const p of v.pins ?? []) lines.push(`pinned ${p.path}: map ${p.map}`);
  return lines.join('\n');
}

export function mapText(s: CommandContext, name: string): string {
  const m = s.view().maps.find((q) => q.name === name);
  if (!m) return '';
  const head = `${m.name}: ${m.type} key ${m.keySize} value ${m.valueSize} max_entries ${m.maxEntries}`;
  if (m.progSlots) return head + '\n' + m.progSlots.map((p) => `    [${p.key}] ${p.program ?? '(empty)'}`).join('\n');
  const ents = (m.entries ?? []).flatMap((e) =>
    e.vars ? e.vars.map((v) => `    ${pad(v.type, 6)} ${v.name} = ${v.value}`) : [`    [${e.keyNum ?? e.key}] ${e.valueNum ?? e.value}`],
  );
  return [head, ...ents, ...(m.truncated ? [`    ... ${m.totalEntries - (m.entries?.length ?? 0)} more`] : [])].join('\n');
}

export function tailcalls(s: CommandContext): string {
  const hops = s.rc.tracker.hops;
  if (hops.length === 0) return 'No tail calls in this run.';
  return hops
    .map((h, i) => `${i + 1}. ${h.program}:${h.insn} -> ${h.to} via ${h.map}[${h.key}] (${h.direct ? 'direct' : 'indirect'}), tcc ${h.tcc}`)
    .join('\n');
}

export function programs(s: CommandContext): string {
  return s
    .view()
    .programs.map(
      (p) =>
        `${p.name} (${p.section}, ${p.type})\n` +
        p.funcs.map((f) => `    ${pad(f.name, 20)} insns ${f.insnStart}..${f.insnStart + f.insnCount - 1} at ${f.addr} (${f.size} bytes)`).join('\n'),
    )
    .join('\n');
}

function lineText(l: DisasmLine, mode: string): string | null {
  const m = 'markers' in l ? l.markers : null;
  const mark = m ? `${m.current ? '=>' : '  '}${m.breakpoint !== null ? 'B' : ' '}` : '   ';
  switch (l.kind) {
    case 'func':
      return `${l.func}:`;
    case 'source':
      return mode === 'mixed' ? `    ${l.file}:${l.line}  ${l.text}` : null;
    case 'bpf':
      return mode === 'native' ? null : `${mark} ${pad(String(l.insn), 5)} ${l.text}`;
    case 'native': {
      const poke = l.markers.pokeSite ? `  <- poke #${l.markers.poke} ${l.markers.pokeSite}` : '';
      return mode === 'bpf' ? null : `${mark}       ${l.addr} <+${l.off}>: ${pad(l.bytes, 30)} ${l.text}${poke}`;
    }
  }
}

export function disassembly(s: CommandContext, p: DebugProgram, fi: number, mode: string): string {
  const bps = new Map(s.bps.all().map((b) => [b.addr, { id: b.id, enabled: b.enabled }]));
  const pc = s.runState === 'stopped' ? s.target.machine.pc : null;
  const w = s.code.disasmWindow(p, fi, pc, bps, 0, true);
  return w.lines
    .map((l) => lineText(l, mode))
    .filter((x): x is string => x !== null)
    .join('\n');
}

/**
 * `list`: a contiguous block of lines (gdb: ten around LINE, or FIRST..LAST). The text is
 * the source file's when it can be read (at its compile path, or beside the object), else
 * BTF's line info, which holds only the lines with code (the others are left blank).
 */
export function sourceLines(s: CommandContext, file: string, line: number, last?: number): string | null {
  const hit = s.target.objects.objects
    .map((o) => ({ o, e: [...o.loaded.object.sources].find(([f]) => f === file || f.endsWith('/' + file)) }))
    .find((x) => x.e);
  if (!hit) return null;
  const [path, btf] = hit.e!;
  const disk = readSource([path, join(dirname(hit.o.loaded.object.path), basename(path))]);
  const text = (l: number): string | undefined => (disk ? disk[l - 1] : (btf.get(l) ?? (l <= Math.max(...btf.keys()) ? '' : undefined)));
  const cur = s.view().source?.current ?? null;
  const out: string[] = [];
  const [lo, hi] = last !== undefined ? [line, last] : [Math.max(1, line - 5), Math.max(1, line - 5) + 9];
  for (let l = lo; l <= hi; l++) {
    const t = text(l);
    if (t === undefined) break;
    out.push(`${l === cur ? '=>' : '  '} ${pad(String(l), 5)}${t}`);
  }
  return out.length ? out.join('\n') : null;
}

function readSource(paths: string[]): string[] | null {
  for (const p of paths) {
    try {
      return readFileSync(p, 'utf8').split('\n');
    } catch {
      // not there: try the next place
    }
  }
  return null;
}

/** A trampoline's native code, calls named (`call fentry+0x0`, `call bpf_trampoline_...`), the PC marked. */
export function trampolineDisassembly(s: CommandContext, tr: TrampolineInfo): string {
  const pc = s.runState === 'stopped' ? s.target.machine.pc : null;
  const code = s.target.machine.readMem(tr.addr, tr.size);
  const lines = [`${tr.symbol}: trampoline of ${tr.target.func} (${s.target.objects.displayName(tr.target.prog)})`];
  const dis = s.target.disassembler;
  for (const i of dis.disasm(code, tr.addr)) {
    const text = dis.format(i).replace(/0x[0-9a-f]{9,16}\b/g, (h) => {
      const a = BigInt(h);
      return s.target.index.lookup(a) || s.target.trampolineAt(a) ? `${h} <${symbolize(s.target, a)}>` : h;
    });
    lines.push(`${i.addr === pc ? '=>' : '  '} 0x${i.addr.toString(16)} <+${Number(i.addr - tr.addr)}>: ${text}`);
  }
  return lines.join('\n');
}

/**
 * `info registers rip rbx $r1 pc`: the named registers only, as gdb prints them (name,
 * hex, natural value). BPF names (r0..r10 / $r0) read through the JIT's register map.
 */
export function someRegisters(s: CommandContext, names: string[]): Result<string> {
  const env = s.exprEnv();
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.replace(/^\$/, '').toLowerCase();
    const v = env.reg(name);
    if (v === undefined) return err('debug.no-register', `Invalid register \`${raw}'`);
    const natural =
      name === 'pc' || name === 'rip' || name === 'sp' || name === 'rsp' || name === 'fp' || name === 'rbp' ? symbolOr(s, v) : BigInt.asIntN(64, v).toString();
    out.push(`${pad(name, 15)}0x${v.toString(16).padEnd(18)} ${natural}`);
  }
  return ok(out.join('\n'));
}

export function symbolOr(s: CommandContext, v: bigint): string {
  return s.target.index.lookup(v) ? `0x${v.toString(16)} <${symbolize(s.target, v)}>` : `0x${v.toString(16)}`;
}

/** gdb's `info line`: `Line 53 of "tailchain.c" starts at address 0x… <entry+32> and ends at 0x… <entry+47>.` */
export function lineInfo(s: CommandContext, p: DebugProgram, insn: InsnIdx): string {
  const rows = lineRows(p.image);
  const row = rows[insn];
  if (!row) return `No line number information available for ${s.target.objects.displayName(p)}:${insn}.`;
  let a: number = insn;
  while (a > 0 && rows[a] && !rows[a]!.start && sameLine(rows[a - 1] ?? null, row)) a--;
  let b = insn + 1;
  while (b < rows.length && rows[b] && !rows[b]!.start) b++;
  const lo = s.target.index.addressOf(p, insnIdx(a));
  const hi = b < rows.length ? s.target.index.addressOf(p, insnIdx(b)) : null;
  const file = row.file.split('/').pop();
  if (lo === null) return `Line ${row.line} of "${file}" has no code.`;
  const end = hi !== null ? ` and ends at ${symbolOr(s, hi)}` : '';
  return `Line ${row.line} of "${file}" starts at address ${symbolOr(s, lo)}${end}.`;
}

/** gdb's `info source`: the current source file, where it is, and what is known about it. */
export function sourceInfo(s: CommandContext): string {
  const src = s.view().source;
  if (!src) return 'No current source file.';
  const obj = s.target.objects.objects.find((o) => o.loaded.object.sources.has(src.file));
  const lines = obj?.loaded.object.sources.get(src.file);
  return [
    `Current source file is ${src.file.split('/').pop()}`,
    `Located in ${src.file}`,
    ...(lines ? [`Contains ${Math.max(...lines.keys())} lines (${lines.size} with code, text from BTF line info).`] : []),
    'Source language is c.',
    `Producer is clang (object ${obj?.loaded.object.path ?? s.target.loaded.object.path}).`,
    'Compiled with BTF debugging format.',
  ].join('\n');
}
