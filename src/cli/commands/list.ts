// `bpfdbg list OBJ`: programs with their sections and types, subprograms with the stack
// depth the verifier would record, tail-call sites, and maps. A program the loader or the
// verifier refuses is listed with the reason; the others are listed as usual.
import { analyzeProgram } from '../../analysis/index.ts';
import { formatDiag } from '../../common/diag.ts';
import { mapTypeName } from '../../object/index.ts';
import { openObject } from '../compose.ts';
import { kernelBtfFor, profileChoice } from '../jitAll.ts';
import type { CliOptions } from '../options.ts';

export function listCommand(opts: CliOptions): number {
  const choice = profileChoice(opts.arch, opts.profile);
  const obj = openObject(opts.file, kernelBtfFor(choice.profile));
  const out: string[] = [];
  const json: unknown[] = [];
  out.push(`${obj.path}: license ${obj.license || '(none)'}`);
  out.push(`profile ${choice.profile.name}: ${choice.why}`);
  out.push('programs:');
  for (const p of obj.programs) {
    const a = analyzeProgram(obj, p, {});
    const flags = [p.autoload ? '' : 'no-autoload', p.attach?.target ? `attach ${p.attach.kind} ${p.attach.target}` : ''].filter(Boolean).join(', ');
    out.push(`  ${p.name}  [${p.section}] ${p.progType}, ${p.insns.length} insns${flags ? ` (${flags})` : ''}`);
    if (!a.ok) {
      out.push(`    rejected: ${formatDiag(a.error)}`);
      json.push({ name: p.name, section: p.section, type: p.progType, insns: p.insns.length, error: a.error });
      continue;
    }
    const im = a.value;
    for (const s of im.subprogs)
      out.push(
        `    ${s.idx === 0 ? 'main' : 'sub '} ${s.name.padEnd(24)} insns ${String(s.start).padStart(4)}..${String(s.end - 1).padEnd(4)} stack ${String(s.stackDepth).padStart(3)}` +
          `${s.tailCallReachable ? '  tail_call_reachable' : ''}${s.hasTailCall ? '  has_tail_call' : ''}${s.privStackMode === 'adaptive' ? '  private-stack' : ''}`,
      );
    for (const t of im.tailCallSites) {
      const map = t.mapIndex === null ? '?' : (obj.maps[t.mapIndex]?.name ?? '?');
      out.push(`    tail call at insn ${t.insn}: ${t.direct ? `direct (poke), ${map}[${t.key}]` : `indirect, ${map}`}`);
    }
    json.push({
      name: p.name,
      section: p.section,
      type: p.progType,
      insns: p.insns.length,
      autoload: p.autoload,
      subprogs: im.subprogs.map((s) => ({
        name: s.name,
        start: s.start,
        end: s.end,
        stackDepth: s.stackDepth,
        tailCallReachable: s.tailCallReachable,
        hasTailCall: s.hasTailCall,
        privStack: s.privStackMode === 'adaptive',
      })),
      tailCalls: im.tailCallSites.map((t) => ({
        insn: t.insn,
        direct: t.direct,
        map: t.mapIndex === null ? null : (obj.maps[t.mapIndex]?.name ?? null),
        key: t.key,
      })),
    });
  }
  for (const r of obj.rejected ?? []) {
    out.push(`  ${r.name}  [${r.section}] ${r.progType}${r.autoload ? '' : ' (no-autoload)'}`);
    out.push(`    not loadable: ${formatDiag(r.error)}`);
    json.push({ name: r.name, section: r.section, type: r.progType, autoload: r.autoload, error: r.error });
  }
  out.push('maps:');
  for (const m of obj.maps) {
    const init = m.initSlots?.length ? `  init ${m.initSlots.map((s) => `[${s.slot}]=${s.prog}`).join(' ')}` : '';
    out.push(`  ${m.name.padEnd(20)} ${mapTypeName(m.type).padEnd(12)} key ${m.keySize} value ${m.valueSize} max_entries ${m.maxEntries}${init}`);
  }
  if (obj.globals.length) {
    out.push('globals:');
    for (const g of obj.globals) out.push(`  ${g.name.padEnd(20)} ${g.section}+${g.offset} (${g.size} bytes)`);
  }
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        object: obj.path,
        license: obj.license,
        profile: { name: choice.profile.name, why: choice.why },
        programs: json,
        maps: obj.maps.map((m) => ({
          name: m.name,
          type: mapTypeName(m.type),
          keySize: m.keySize,
          valueSize: m.valueSize,
          maxEntries: m.maxEntries,
          initSlots: m.initSlots ?? [],
        })),
        globals: obj.globals.map((g) => ({ name: g.name, section: g.section, offset: g.offset, size: g.size })),
      }) + '\n',
    );
  } else process.stdout.write(out.join('\n') + '\n');
  return 0;
}
