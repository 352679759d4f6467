// bench/tcc.ts - what each RISC-V TCC scheme costs in frame traffic, measured by running.
//
// Checks the claim of Björn Töpel's 2023-09-28 proposal (a6 transparent across bpf2bpf
// calls, parked in s6 only around helpers) that it would "save us a bunch of stack
// store/loads" compared with Pu Lehui's stack-slot TCC. Each scenario is JITed under the
// three profiles and executed on Unicorn's riscv64; a code hook decodes every executed
// instruction and counts sp-based loads and stores (the JIT's own frame traffic; BPF
// stack accesses go through s5 and are the same under every profile). Accesses whose
// data register is a6 or s6 are the TCC's share.
//
// Run: node --import tsx bench/tcc.ts
import { asm } from '../src/bpf/asm.ts';
import { compileRiscv, RV_PROFILES } from '../src/jit/riscv64/index.ts';
import type { JitImage, JitProfile } from '../src/jit/types.ts';
import { TEXT_BASE, TEXT_SLOT } from '../src/common/layout.ts';
import { makeImage, testEnv, type FuncSpec } from '../test/jit/riscv64/fixtures.ts';
import { link, runRiscv } from '../test/jit/riscv64/runRiscv.ts';

const SP = 2,
  A6 = 16,
  S6 = 22;
const COUNTER = 0xffffc90000000000n; // map value 0: the programs count their runs there

interface Counts {
  insns: number;
  loads: number;
  stores: number;
  tccLoads: number;
  tccStores: number;
  helperCalls: number;
  bpfCalls: number;
  tailCalls: number;
  /** sp-based accesses by the region they execute in (prologue, epilogue, helper call...). */
  byRole: Map<string, number>;
}

/** sp-based load/store at `at` in `code`: its data register, or undefined. */
function frameAccess(code: Uint8Array, at: number): { store: boolean; reg: number } | undefined {
  const h = code[at]! | (code[at + 1]! << 8);
  if ((h & 3) !== 3) {
    const f3 = h >> 13,
      op = h & 3;
    if (op === 2 && (f3 === 2 || f3 === 3)) return { store: false, reg: (h >> 7) & 31 }; // c.lwsp / c.ldsp
    if (op === 2 && (f3 === 6 || f3 === 7)) return { store: true, reg: (h >> 2) & 31 }; // c.swsp / c.sdsp
    return undefined;
  }
  const w = (h | (code[at + 2]! << 16) | (code[at + 3]! << 24)) >>> 0;
  const opc = w & 0x7f,
    rs1 = (w >> 15) & 31;
  if (opc === 0x03 && rs1 === SP) return { store: false, reg: (w >> 7) & 31 };
  if (opc === 0x23 && rs1 === SP) return { store: true, reg: (w >> 20) & 31 };
  return undefined;
}

interface Scenario {
  name: string;
  funcs: FuncSpec[];
  /** The program tail-calls slot 0 (itself). */
  selfTail: boolean;
}

const countRun = `
  r1 = ${COUNTER} ll
  r2 = *(u64 *)(r1 + 0)
  r2 += 1
  *(u64 *)(r1 + 0) = r2`;

const SCENARIOS: Scenario[] = [
  {
    name: 'helper + tail call (main only)',
    selfTail: true,
    funcs: [{ name: 'main', insns: asm(`r6 = r1\n${countRun}\ncall 1\nr1 = r6\nr2 = map[#0] ll\nr3 = 0\ntail_call\nr0 = 0\nexit`) }],
  },
  {
    name: '4 bpf2bpf calls (leaf), no tail call',
    selfTail: false,
    funcs: [
      {
        name: 'main',
        insns: asm('r6 = 0\nr7 = 4\nloop:\nr1 = r6\ncall sub\nr6 += r0\nr7 -= 1\nif r7 != 0 goto loop\nr0 = r6\nexit\nsub:\nr0 = r1\nr0 += 1\nexit'),
      },
    ],
  },
  {
    name: '4 bpf2bpf calls to a helper-calling subprog',
    selfTail: false,
    funcs: [
      {
        name: 'main',
        insns: asm('r6 = 0\nr7 = 4\nloop:\nr1 = r6\ncall sub\nr6 += r0\nr7 -= 1\nif r7 != 0 goto loop\nr0 = r6\nexit\nsub:\nr6 = r1\ncall 1\nr0 = r6\nexit'),
      },
    ],
  },
  {
    name: '2 bpf2bpf calls (helper inside) + tail call',
    selfTail: true,
    funcs: [
      {
        name: 'main',
        insns: asm(
          `r6 = r1\n${countRun}\nr1 = 1\ncall sub\nr1 = 2\ncall sub\nr1 = r6\nr2 = map[#0] ll\nr3 = 0\ntail_call\nr0 = 0\nexit\nsub:\nr6 = r1\ncall 1\nr0 = r6\nexit`,
        ),
      },
    ],
  },
  {
    name: 'tail call from a subprog',
    selfTail: true,
    funcs: [
      {
        name: 'main',
        insns: asm(`r6 = r1\n${countRun}\nr1 = r6\ncall sub\nr0 = 0\nexit\nsub:\nr6 = r1\ncall 1\nr1 = r6\nr2 = map[#0] ll\nr3 = 0\ntail_call\nr0 = 1\nexit`),
      },
    ],
  },
];

/** Splits a one-text program into functions at `call <label>` targets. */
function splitFuncs(funcs: FuncSpec[]): FuncSpec[] {
  const insns = funcs[0]!.insns;
  const starts = new Set<number>([0]);
  insns.forEach((i, k) => {
    if (i.code === 0x85 && i.src === 1) starts.add(k + i.imm + 1);
  });
  const sorted = [...starts].sort((a, b) => a - b);
  return sorted.map((s, k) => ({ name: k === 0 ? funcs[0]!.name : `sub${k}`, insns: insns.slice(s, sorted[k + 1] ?? insns.length) }));
}

function jitFor(s: Scenario, profile: JitProfile): JitImage | string {
  const image = makeImage(splitFuncs(s.funcs), s.name.replace(/\W+/g, '_'));
  const upstream = profile.rvTcc === 'upstream';
  if (upstream && image.subprogs.length > 1 && image.insns.some((i) => i.code === 0xf5)) {
    return 'rejected (bpf2bpf + tail calls)';
  }
  // Upstream riscv64 gives a tail-calling program MAX_BPF_STACK (do_misc_fixups, no
  // subprog tail-call support), which costs it an s5 save/restore per run.
  if (upstream && image.insns.some((i) => i.code === 0xf5)) image.subprogs[0] = { ...image.subprogs[0]!, stackDepth: 512 };
  const r = compileRiscv(image, profile, testEnv);
  return r.ok ? r.value : r.error.message;
}

async function measure(img: JitImage, selfTail: boolean): Promise<Counts> {
  const c: Counts = { insns: 0, loads: 0, stores: 0, tccLoads: 0, tccStores: 0, helperCalls: 0, bpfCalls: 0, tailCalls: 0, byRole: new Map() };
  const { bytes, linked } = link([img]);
  const text = bytes[0]!;
  const callSites = new Set<bigint>();
  const roles: { start: number; end: number; role: string }[] = [];
  img.funcs.forEach((f, j) => {
    const base = Number(linked.funcAddrs[0]![j]! - TEXT_BASE);
    for (const g of f.regions) roles.push({ start: base + g.start, end: base + g.end, role: g.role });
  });
  const roleAt = (at: number): string => roles.find((r) => at >= r.start && at < r.end)?.role ?? 'body';
  const tailJumps = new Set<bigint>();
  img.funcs.forEach((f, j) => {
    for (const r of f.relocs) if (r.kind === 'funcCall') callSites.add(linked.funcAddrs[0]![j]! + BigInt(r.at));
    for (const g of f.regions) if (g.role === 'tail call') tailJumps.add(linked.funcAddrs[0]![j]! + BigInt(g.end - 4));
  });
  const { stop, m } = await runRiscv({
    images: [img],
    progSlots: selfTail ? [0] : [],
    helper: () => {
      c.helperCalls++;
      return 0n;
    },
    prepare: (mach) => {
      mach.addCodeHook(TEXT_BASE, TEXT_BASE + TEXT_SLOT - 1n, (pc) => {
        c.insns++;
        const at = Number(pc - TEXT_BASE);
        if (callSites.has(pc)) c.bpfCalls++;
        if (tailJumps.has(pc)) c.tailCalls++;
        const acc = frameAccess(text, at);
        if (!acc) return;
        if (acc.store) c.stores++;
        else c.loads++;
        const role = roleAt(at);
        c.byRole.set(role, (c.byRole.get(role) ?? 0) + 1);
        if (acc.reg === A6 || acc.reg === S6) {
          if (acc.store) c.tccStores++;
          else c.tccLoads++;
        }
      });
    },
  });
  m.close();
  if (stop.kind !== 'exited') throw new Error(`run stopped: ${stop.kind}`);
  return c;
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

async function main(): Promise<void> {
  const rows: string[] = [];
  console.log('RISC-V TCC schemes: executed sp-based loads/stores (frame traffic) per run');
  console.log('ld/st = all sp-based; tcc ld/st = those moving a6/s6; per event = (ld+st) / (helper + bpf2bpf calls + tail calls)\n');
  const head = `${'scenario'.padEnd(44)} ${'profile'.padEnd(19)} ${pad('insns', 6)} ${pad('ld', 5)} ${pad('st', 5)} ${pad('tcc ld', 7)} ${pad('tcc st', 7)} ${pad('helper', 7)} ${pad('bpf2bpf', 8)} ${pad('tail', 5)} ${pad('per event', 10)}`;
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const s of SCENARIOS) {
    for (const p of RV_PROFILES) {
      const img = jitFor(s, p);
      if (typeof img === 'string') {
        console.log(`${s.name.padEnd(44)} ${p.name.padEnd(19)} ${img}`);
        rows.push(`${s.name.padEnd(44)} ${p.name.padEnd(19)} ${img}`);
        continue;
      }
      const c = await measure(img, s.selfTail);
      const events = c.helperCalls + c.bpfCalls + c.tailCalls;
      const per = events ? ((c.loads + c.stores) / events).toFixed(2) : '-';
      const r = (role: string): number => c.byRole.get(role) ?? 0;
      const n = (role: string, events: number): string => (events ? `${r(role)} (${(r(role) / events).toFixed(1)})` : String(r(role)));
      const runs = c.tailCalls + 1;
      rows.push(
        `${s.name.padEnd(44)} ${p.name.padEnd(19)} ${pad(n('prologue', runs + c.bpfCalls), 11)} ${pad(n('epilogue', runs + c.bpfCalls - c.tailCalls), 11)} ${pad(n('helper call', c.helperCalls), 12)} ${pad(n('bpf2bpf call', c.bpfCalls), 13)} ${pad(n('tail call', c.tailCalls), 11)}`,
      );
      console.log(
        `${s.name.padEnd(44)} ${p.name.padEnd(19)} ${pad(c.insns, 6)} ${pad(c.loads, 5)} ${pad(c.stores, 5)} ${pad(c.tccLoads, 7)} ${pad(c.tccStores, 7)} ${pad(c.helperCalls, 7)} ${pad(c.bpfCalls, 8)} ${pad(c.tailCalls, 5)} ${pad(per, 10)}`,
      );
    }
  }
  console.log('\nWhere the sp-based loads+stores execute: total (per entry / per exit / per helper call / per bpf2bpf call / per tail call)');
  console.log('entries = runs + bpf2bpf calls; exits = entries - tail calls (a tail call leaves through its own inlined epilogue)\n');
  const head2 = `${'scenario'.padEnd(44)} ${'profile'.padEnd(19)} ${pad('prologue', 11)} ${pad('epilogue', 11)} ${pad('helper call', 12)} ${pad('bpf2bpf call', 13)} ${pad('tail call', 11)}`;
  console.log(head2);
  console.log('-'.repeat(head2.length));
  for (const r of rows) console.log(r);
}

await main();
