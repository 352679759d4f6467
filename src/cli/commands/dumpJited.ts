// `bpfdbg dump OBJ --jited`: like `bpftool prog dump jited linum` — native instructions
// grouped under the BPF instruction and source line they come from, with poke sites and
// tail-call counter slots annotated. `--raw`: hex bytes per function. `--json`: exactly
// {"programs":[{"name":P,"functions":[{"name":F,"bytes":"<hex>"}]}]} for scripts; a program
// the loader, the verifier or the JIT refuses is {"name":P,"error":"<one line>"} and the
// others are dumped as usual (as libbpf loads the programs of an object one by one).
// `--elf FILE`: a symbol file with DWARF lines for gdb (elfExport.ts).
import { insnIdx } from '../../common/ids.ts';
import { writeFileSync } from 'node:fs';
import { disasmInsn } from '../../bpf/disasm.ts';
import { fail } from '../../common/diag.ts';
import { insnAt } from '../../jit/insnAt.ts';
import { disasm, formatInsn, loadCapstone } from '../../machine/index.ts';
import type { BpfObject, BpfProgram } from '../../object/index.ts';
import { X86_PROFILES } from '../../jit/profiles.ts';
import { RV_PROFILES } from '../../jit/riscv64/profiles.ts';
import { isJitFailure, jitEach, requireProfile, type LinkedProgram } from '../jitAll.ts';
import { formatDiag } from '../../common/diag.ts';
import type { CliOptions } from '../options.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export async function dumpJited(obj: BpfObject, progs: BpfProgram[], opts: CliOptions): Promise<number> {
  if (opts.profiles) {
    for (const p of [...X86_PROFILES, ...RV_PROFILES]) process.stdout.write(`${p.arch.padEnd(8)} ${p.name.padEnd(20)} ${p.describes}\n`);
    return 0;
  }
  const profile = requireProfile(opts.arch, opts.profile);
  const outcomes = jitEach(obj, progs, profile);
  const jited = outcomes.filter((o): o is LinkedProgram => !isJitFailure(o));
  // Programs the loader refused are only named by --prog when the user asked for one of them.
  const refused = [
    ...(obj.rejected ?? []).filter((r) => opts.prog === undefined || r.name === opts.prog).map((r) => ({ name: r.name, error: r.error })),
    ...outcomes.filter(isJitFailure).map((f) => ({ name: f.program.name, error: f.error })),
  ];
  if (opts.elf !== undefined) {
    const { symbolElf } = await import('../elfExport.ts');
    try {
      writeFileSync(opts.elf, symbolElf(jited, profile.arch, obj.path));
    } catch (e) {
      fail('cli.write-failed', `${opts.elf}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    process.stdout.write(
      `${opts.elf}: ${jited.length} program${jited.length === 1 ? '' : 's'}, ${jited.reduce((n, j) => n + j.jit.funcs.length, 0)} functions (gdb: add-symbol-file ${opts.elf})\n`,
    );
    return 0;
  }
  if (opts.json) {
    const programs = [
      ...jited.map((j) => ({ name: j.program.name, functions: j.jit.funcs.map((f, i) => ({ name: f.name, bytes: hex(j.code[i]!) })) })),
      ...refused.map((r) => ({ name: r.name, error: formatDiag(r.error) })),
    ];
    process.stdout.write(JSON.stringify({ programs }) + '\n');
    return 0;
  }
  const out: string[] = [`; profile ${profile.name}: ${profile.describes}`];
  for (const r of refused) out.push(`; ${r.name}: not loaded: ${formatDiag(r.error)}`);
  if (opts.raw) {
    for (const j of jited)
      for (const [i, f] of j.jit.funcs.entries())
        out.push(
          `${j.program.name}/${f.name} @0x${j.funcAddrs[i]!.toString(16)} (${f.code.length} bytes):`,
          hex(j.code[i]!)
            .replace(/(.{64})/g, '$1\n')
            .trimEnd(),
        );
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  }
  await loadCapstone();
  for (const j of jited) out.push(...listing(obj, j, profile.arch));
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

function listing(obj: BpfObject, j: LinkedProgram, arch: 'x86_64' | 'riscv64'): string[] {
  const out: string[] = [];
  const im = j.jit.image;
  const mapName = (i: number) => obj.maps[i]?.name;
  for (const [fi, f] of j.jit.funcs.entries()) {
    const base = j.funcAddrs[fi]!;
    out.push(
      '',
      `${j.program.name}/${f.name}:  ${f.code.length} bytes @0x${base.toString(16)}  frame: stack ${f.frame.stackSize}` +
        (f.frame.tccSlots.length
          ? `, ${f.frame.tccSlots.map((s) => `${s.name} [${f.frame.offBase ?? f.frame.fpReg}${s.fpOff < 0 ? '-' : '+'}0x${Math.abs(s.fpOff).toString(16)}]`).join(', ')}`
          : '') +
        (f.frame.privStack ? `, private stack ${f.frame.privStack.size} bytes (r9)` : ''),
    );
    const insns = disasm(arch, j.code[fi]!, base);
    const pokes = j.jit.pokes.filter((p) => p.func === fi);
    let lastLine = '';
    let lastInsn = -2;
    for (const ni of insns) {
      const off = Number(ni.addr - base);
      const local = insnAt(f, off);
      const insn = local === null ? -1 : f.insnStart + local;
      if (insn !== lastInsn) {
        lastInsn = insn;
        if (insn >= 0) {
          const src = im.sourceOf(insnIdx(insn));
          const key = src ? `${src.file}:${src.line}` : '';
          if (src && key !== lastLine) {
            lastLine = key;
            out.push(`; ${src.text.trim()} [${src.file.split('/').pop()}:${src.line}]`);
          }
          out.push(`  ${String(insn).padStart(4)}: ${disasmInsn(im.insns, insn, { symbolic: true, mapName })}`);
        } else {
          const region = f.regions.find((r) => r.start <= off && off < r.end);
          out.push(`  ; ${region?.role ?? (off < (f.addrs[0] ?? 0) ? 'prologue' : 'glue')}`);
        }
      }
      const notes: string[] = [];
      for (const p of pokes) {
        if (off === p.tailcallBypass) notes.push(`poke#${p.index} tailcall_bypass`);
        if (off === p.tailcallTarget) notes.push(`poke#${p.index} tailcall_target (${obj.maps[p.mapIndex]?.name}[${p.key}])`);
      }
      const text = formatInsn(ni);
      const tcc = f.frame.tccSlots.find((s) => text.includes(`${f.frame.fpReg} - 0x${(-s.fpOff).toString(16)}]`));
      if (tcc) notes.push(tcc.name);
      out.push(`    ${off.toString(16).padStart(4)}: ${hex(ni.bytes).padEnd(22)} ${text}${notes.length ? `   ; ${notes.join(', ')}` : ''}`);
    }
  }
  return out;
}
