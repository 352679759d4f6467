// Native block counting (nativeBlockCounter.ts): first the Unicorn 2.0.1 behaviour it rests
// on, on a bare engine; then, on generated programs for the x86-64 and riscv64 engines, the
// machine's lastExecuted after runs with random budgets and breakpoints equals the position
// in the trace Unicorn's own count gives (single steps: count = 1), up to the exit; and on
// hand-written code, fault, watch, exception and fixed-up fault stops agree with steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { SeededNondet, testRun, type Engine } from '../../src/kernel/index.ts';
import { loadCapstone } from '../../src/machine/capstone.ts';
import type { JitEngine } from '../../src/engine/jitEngine.ts';
import { NativeBlockCounter } from '../../src/machine/nativeBlockCounter.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import * as U from '../../src/machine/unicornLib.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import type { UnicornMachine } from '../../src/machine/unicornMachine.ts';
import type { StopReason } from '../../src/machine/machine.ts';
import { KSTACK_BASE, TEXT_BASE } from '../../src/common/layout.ts';
import { generateCase, prng } from '../support/randomProgram.ts';
import { BARE_STACK_TOP, bareMachine } from '../support/bareMachine.ts';

const native = process.arch === 'x64';
const SEEDS = 12;
const BASE = 0x10000n;
const RIP = 41,
  RAX = 35;
/** A riscv64 instruction word's bytes. */
const word = (w: number): number[] => [w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, (w >>> 24) & 0xff];
/** mov ecx, 1000; l: inc rax; inc rbx; inc rdx; dec ecx; jnz l; hlt */
const LOOP = new Uint8Array([0xb9, 0xe8, 0x03, 0, 0, 0x48, 0xff, 0xc0, 0x48, 0xff, 0xc3, 0x48, 0xff, 0xc2, 0xff, 0xc9, 0x75, 0xf3, 0xf4]);

async function bareEngine() {
  await loadCapstone();
  const L = U.unicornLib();
  const out: unknown[] = [null];
  assert.equal(L.uc_open(U.UC_ARCH_X86, U.UC_MODE_64, out), 0);
  const uc = out[0];
  L.uc_mem_map(uc, BASE, 0x4000, U.UC_PROT_READ | U.UC_PROT_WRITE | U.UC_PROT_EXEC);
  L.uc_mem_write(uc, BASE, LOOP, LOOP.length);
  const read = (a: bigint, n: number): Uint8Array => {
    const b = new Uint8Array(n);
    L.uc_mem_read(uc, a, b, n);
    return b;
  };
  const nbc = NativeBlockCounter.create('x86_64', BigInt(koffi.address(uc)), read)!;
  assert.equal(L.uc_hook_add(uc, new BigUint64Array(1), U.UC_HOOK_BLOCK, nbc.callback, nbc.userData, 1n, 0n), 0);
  const reg = new BigUint64Array(1);
  const rd = (id: number): bigint => {
    L.uc_reg_read(uc, id, reg);
    return reg[0]!;
  };
  const run = (begin: bigint, until: bigint, count: number) => {
    assert.equal(L.uc_emu_start(uc, begin, until, 0n, count), 0);
    return { pc: rd(RIP), rax: rd(RAX) };
  };
  const close = (): void => {
    L.uc_close(uc);
    nbc.close();
  };
  return { L, uc, nbc, run, close };
}

test(
  'Unicorn 2.0.1: the block hook sees whole TBs (byte size), and a stop from it comes before the block runs',
  { skip: !native && 'x86-64 host code' },
  async () => {
    const e = await bareEngine();
    try {
      e.nbc.reset(100);
      const r = e.run(BASE, 0n, 0);
      // TBs: [mov .. jnz] (6 insns, 18 bytes: the first round), then [inc .. jnz] (5, 13 bytes).
      // 6 + 18 * 5 = 96; the next block would reach 101: stopped at its start, none of it run.
      assert.equal(e.nbc.stopped, true);
      assert.equal(e.nbc.count, 96);
      assert.deepEqual(e.nbc.last, { addr: BASE + 5n, size: 13, count: 5 });
      assert.equal(r.pc, BASE + 5n);
      assert.equal(r.rax, 19n);
      // The remaining 4: an `until` at the 5th instruction, after dropping the cached block
      // (a cached TB is not cut by a new `until`); the TB at `until` itself gets no block hook.
      const offs = e.nbc.insnOffsets(BASE + 5n, 13);
      assert.deepEqual(offs, [0, 3, 6, 9, 11]);
      e.L.uc_ctl_range(e.uc, U.UC_CTL_TB_REMOVE_CACHE_W, BASE + 5n, BASE + 18n);
      e.nbc.setLimit(100);
      const r2 = e.run(BASE + 5n, BASE + 5n + 11n, 0);
      assert.equal(e.nbc.count, 100);
      assert.deepEqual(e.nbc.last, { addr: BASE + 5n, size: 11, count: 4 });
      assert.equal(r2.pc, BASE + 16n);
      assert.equal(r2.rax, 20n);
      // Afterwards the block is whole again: the jnz of round 20, 980 rounds of 5, the hlt.
      e.nbc.reset(Infinity);
      e.run(r2.pc, 0n, 0);
      assert.equal(e.nbc.count, 1 + 980 * 5 + 1);
      assert.deepEqual(e.nbc.last, { addr: BASE + 18n, size: 1, count: 1 });
    } finally {
      e.close();
    }
  },
);

test("Unicorn 2.0.1: with the count hook, settling the last block at the stop pc gives Unicorn's count", { skip: !native && 'x86-64 host code' }, async () => {
  const e = await bareEngine();
  try {
    for (const budget of [1, 5, 6, 7, 98, 100, 5001]) {
      e.nbc.reset(Infinity);
      const r = e.run(BASE, 0n, budget);
      assert.equal(e.nbc.settle(r.pc), budget, `budget ${budget}`);
    }
    // Run to the end: the hlt (a block of its own) is counted, pc is after it.
    e.nbc.reset(Infinity);
    const r = e.run(BASE, 0n, 10_000);
    assert.equal(r.pc, BASE + BigInt(LOOP.length));
    assert.equal(e.nbc.settle(r.pc), 5002);
    assert.equal(e.nbc.settle(r.pc - 1n), 5001, 'pc on the hlt: not executed');
  } finally {
    e.close();
  }
});

/** Runs the case's entry program on `eng` through BPF_PROG_TEST_RUN with `drive` in place of a plain run. */
function withProgram(eng: JitEngine, seed: number, drive: (entry: bigint, ctx: bigint, stackTop: bigint) => void): boolean {
  // No tail calls: on riscv64, stepping and running a generated program with tail calls
  // were seen to part ways (seed 6) with native counting on and off alike.
  const c = generateCase({ seed, size: 20, tailCalls: false });
  const ims = c.object.programs.map((p) => analyzeProgram(c.object, p, {}));
  if (ims.some((r) => !r.ok)) return false;
  const loaded = eng.loadObject(
    c.object,
    ims.map((r) => (r.ok ? r.value : null!)),
  );
  if (!loaded.ok) return false;
  const kp = loaded.value.programs.find((p) => p.name === c.entry)!;
  // The same random sequence on both engines: prandom is part of what the program sees.
  if (eng.model.nondet instanceof SeededNondet) eng.model.nondet.reseed();
  const engine: Engine = (model, p, ctx) => {
    eng.selectCpu(model.cpu);
    eng.enter();
    try {
      drive(eng.jited(p)!.funcBases[0]!, ctx.addr, model.stackTop());
    } finally {
      eng.leave();
    }
    return { r0: 0n, insns: 0, tailCalls: 0 };
  };
  testRun(eng.model, kp, { data: c.data, engine });
  return true;
}

for (const [arch, create] of [
  ['x86-64', () => X86Engine.create()],
  ['riscv64', () => RiscvEngine.create()],
] as const) {
  test(
    `${arch}: lastExecuted after budget, breakpoint and exit stops equals Unicorn's count on generated programs`,
    { skip: !native && 'x86-64 host code' },
    async () => {
      let checked = 0;
      // One engine steps with Unicorn's count (the oracle), one runs with budgets enforced by
      // block; both load each program afresh (engines are costly to make).
      const a = await create();
      a.machine.useUnicornCount();
      const b = await create();
      try {
        for (let seed = 1; seed <= SEEDS; seed++) {
          // The trace by single steps (Unicorn's count = 1): trace[i] = pc after i instructions.
          const trace: bigint[] = [];
          const ok = withProgram(a, seed, (entry, ctx, stackTop) => {
            const m = a.machine;
            trace.push(entry);
            let s = m.call(entry, [ctx, 0n], stackTop, { budget: 1 });
            for (; s.kind === 'budget' || s.kind === 'step'; s = m.step()) {
              assert.equal(m.lastExecuted, 1);
              trace.push(m.pc);
            }
            assert.equal(s.kind, 'exited', `seed ${seed}: ${s.kind}`);
            assert.equal(m.lastExecuted, 1);
            trace.push(m.pc);
          });
          if (!ok) continue;
          const n = trace.length - 1; // instructions to the exit (the sentinel's hlt not counted)
          // The same program by runs: random budgets and breakpoints at pcs of the trace.
          const rnd = prng(seed * 7919);
          withProgram(b, seed, (entry, ctx, stackTop) => {
            const m = b.machine;
            const first = 1 + Math.floor(rnd() * Math.min(n, 50));
            let s = m.call(entry, [ctx, 0n], stackTop, { budget: first });
            let pos = first;
            assert.equal(m.lastExecuted, first);
            for (let k = 0; k < 12 && s.kind === 'budget' && pos < n; k++) {
              const before = pos;
              if (rnd() < 0.5 || pos >= n - 1) {
                const budget = 1 + Math.floor(rnd() * (n - pos));
                s = m.run({ budget });
                pos += budget;
                assert.equal(s.kind, pos === n ? 'exited' : 'budget', `seed ${seed}`);
              } else {
                // Not the sentinel (trace[n]): a breakpoint there stops before the hlt.
                const target = trace[pos + 1 + Math.floor(rnd() * (n - pos - 1))]!;
                let at = pos + 1;
                while (trace[at] !== target) at++;
                const id = m.addBreakpoint(target);
                s = m.run({ budget: 10_000_000 });
                m.removeBreakpoint(id);
                assert.equal(s.kind, 'breakpoint', `seed ${seed}`);
                pos = at;
                if (s.kind === 'breakpoint') s = { kind: 'budget', pc: s.pc, executed: 0 };
              }
              assert.equal(m.lastExecuted, pos - before, `seed ${seed}: run from ${before}`);
              assert.equal(m.pc, trace[pos], `seed ${seed}: pc at ${pos}`);
            }
            if (s.kind === 'budget') {
              const before = pos;
              s = m.run({ budget: 10_000_000 });
              assert.equal(s.kind, 'exited');
              assert.equal(m.lastExecuted, n - before, `seed ${seed}: exit`);
            }
          });
          checked++;
        }
      } finally {
        a.close();
        b.close();
      }
      assert.ok(checked >= SEEDS / 2, `only ${checked} of ${SEEDS} generated programs loaded`);
    },
  );
}

/**
 * Calls TEXT_BASE with `args` one instruction at a time (budget 1, then steps) to the first
 * other stop; its lastExecuted summed. `m` should count with Unicorn's count hook (the oracle).
 */
function singleSteps(m: UnicornMachine, args: bigint[] = []): { stop: StopReason; steps: number } {
  let stop = m.call(TEXT_BASE, args, BARE_STACK_TOP, { budget: 1 });
  let steps = m.lastExecuted!;
  while (stop.kind === 'budget' || stop.kind === 'step') {
    stop = m.step();
    steps += m.lastExecuted!;
  }
  return { stop, steps };
}

test(
  'x86-64: lastExecuted of fault, watch, exception, invalid-instruction and fixed-up fault stops equals the single steps that reach them',
  { skip: !native && 'x86-64 host code' },
  async () => {
    // mov ecx, 5; L: mov [rsp - 16], rcx; dec ecx; jnz L; <tail>
    const loop = [0xb9, 5, 0, 0, 0, 0x48, 0x89, 0x4c, 0x24, 0xf0, 0xff, 0xc9, 0x75, 0xf7];
    const tailAt = TEXT_BASE + BigInt(loop.length);
    const load0x10 = [0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0]; // mov rax, [0x10]
    const cases: { name: string; tail: number[]; kind: string; setup?: (m: UnicornMachine) => void }[] = [
      { name: 'fault', tail: load0x10, kind: 'fault' },
      { name: 'int3', tail: [0xcc], kind: 'exception' },
      { name: 'ud2', tail: [0x0f, 0x0b], kind: 'invalid-insn' },
      {
        name: 'fixed-up fault',
        tail: [...load0x10, 0xc3],
        kind: 'exited',
        setup: (m) => m.setExceptionTable((pc) => (pc === tailAt ? { reg: 'rax', resume: tailAt + 8n } : undefined)),
      },
      { name: 'watch', tail: [0xc3], kind: 'watch', setup: (m) => void m.addWatchpoint('write', BARE_STACK_TOP - 24n, BARE_STACK_TOP - 24n) },
      { name: 'store fault', tail: [0x48, 0x89, 0x04, 0x25, 0x10, 0, 0, 0], kind: 'fault' }, // mov [0x10], rax
    ];
    for (const c of cases) {
      const make = async (oracle = false): Promise<UnicornMachine> => {
        const m = await bareMachine('x86_64', Uint8Array.from([...loop, ...c.tail]));
        if (oracle) m.useUnicornCount();
        c.setup?.(m);
        return m;
      };
      const a = await make();
      const stop = a.call(TEXT_BASE, [], BARE_STACK_TOP);
      assert.equal(stop.kind, c.kind, c.name);
      const b = await make(true);
      const { stop: s, steps } = singleSteps(b);
      assert.equal(s.kind, c.kind, c.name);
      assert.equal(b.pc, a.pc, c.name);
      assert.equal(a.lastExecuted, steps, c.name);
      a.close();
      b.close();
    }
  },
);

test(
  'riscv64: lastExecuted of fault and ebreak stops in the middle of a block equals the single steps that reach them',
  { skip: !native && 'x86-64 host code' },
  async () => {
    const addi = word(0x00158593); // addi a1, a1, 1
    const body = [...addi, ...addi, 0x85, 0x05, ...addi]; // c.addi a1, 1 in the middle
    for (const [name, tail, kind] of [
      ['fault', word(0x01003503), 'fault'], // ld a0, 16(zero)
      ['ebreak', word(0x00100073), 'invalid-insn'],
    ] as const) {
      const make = async (oracle = false): Promise<UnicornMachine> => {
        const m = await bareMachine('riscv64', Uint8Array.from([...body, ...tail, ...addi]));
        if (oracle) m.useUnicornCount();
        return m;
      };
      const a = await make();
      assert.equal(a.call(TEXT_BASE, [], BARE_STACK_TOP).kind, kind, name);
      const b = await make(true);
      const { stop: s, steps } = singleSteps(b);
      assert.equal(s.kind, kind, name);
      assert.equal(b.pc, a.pc, name);
      assert.equal(a.lastExecuted, steps, name);
      assert.equal(steps, 4, name);
      a.close();
      b.close();
    }
  },
);

test(
  "riscv64, budgets by block: a fault, a fixed-up fault and a watched access after loads, stores and AMOs in one block stop where single steps with Unicorn's count do",
  { skip: !native && 'x86-64 host code' },
  async () => {
    const DATA = KSTACK_BASE + 0x100n; // a0: mapped; a1: not
    const addi = word(0x00178793); // addi a5, a5, 1
    // ld a2, 0(a0); sd a2, 8(a0); amoadd.d a3, a2, (a0): a read, a write, a read and a write before the tail.
    const body = [...addi, ...word(0x00053603), ...addi, ...word(0x00c53423), ...word(0x00c536af), ...addi];
    const tailAt = TEXT_BASE + BigInt(body.length);
    const cases: { name: string; tail: number; kind: string; setup?: (m: UnicornMachine) => void }[] = [
      { name: 'load fault', tail: 0x0005b703, kind: 'fault' }, // ld a4, 0(a1)
      { name: 'store fault', tail: 0x00c5b023, kind: 'fault' }, // sd a2, 0(a1)
      { name: 'AMO fault', tail: 0x00c5b6af, kind: 'fault' }, // amoadd.d a3, a2, (a1)
      {
        name: 'fixed-up fault',
        tail: 0x0005b703,
        kind: 'exited',
        setup: (m) => m.setExceptionTable((pc) => (pc === tailAt ? { reg: 'a4', resume: tailAt + 4n } : undefined)),
      },
      { name: 'watched store', tail: 0x00c53823, kind: 'watch', setup: (m) => void m.addWatchpoint('write', DATA + 16n, DATA + 16n) }, // sd a2, 16(a0)
      { name: 'watched load', tail: 0x00853703, kind: 'watch', setup: (m) => void m.addWatchpoint('read', DATA + 8n, DATA + 8n) }, // ld a4, 8(a0)
    ];
    for (const c of cases) {
      const make = async (oracle = false): Promise<UnicornMachine> => {
        await loadCapstone();
        const m = await bareMachine('riscv64', Uint8Array.from([...body, ...word(c.tail), ...addi, ...word(0x00008067)]));
        if (oracle) m.useUnicornCount();
        c.setup?.(m);
        return m;
      };
      const args = [DATA, 0x10n];
      const a = await make();
      const stop = a.call(TEXT_BASE, args, BARE_STACK_TOP);
      assert.equal(stop.kind, c.kind, c.name);
      const b = await make(true);
      const { stop: s, steps } = singleSteps(b, args);
      assert.equal(s.kind, c.kind, c.name);
      assert.equal(a.pc, b.pc, c.name);
      if (c.kind !== 'exited') assert.equal(a.pc, tailAt + (c.kind === 'watch' ? 4n : 0n), c.name);
      assert.deepEqual(stop, s, c.name);
      assert.equal(a.lastExecuted, steps, c.name);
      assert.deepEqual(a.readRegs(['a2', 'a3', 'a4', 'a5']), b.readRegs(['a2', 'a3', 'a4', 'a5']), c.name);
      a.close();
      b.close();
    }
  },
);
