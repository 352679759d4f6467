import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { callChainPaneLines } from '../../src/tui/panes/CallChainPane.tsx';
import { codeLineTarget, codePaneLines } from '../../src/tui/panes/CodePane.tsx';
import { mapsPaneLines } from '../../src/tui/panes/MapsPane.tsx';
import { outputPaneLines } from '../../src/tui/panes/OutputPane.tsx';
import { pokesPaneLines } from '../../src/tui/panes/PokesPane.tsx';
import { registersPaneLines } from '../../src/tui/panes/RegistersPane.tsx';
import { stackPaneLines } from '../../src/tui/panes/StackPane.tsx';
import { displayPaneLines } from '../../src/tui/panes/DisplayPane.tsx';
import { riscvStop } from './fixtures/riscvStop.ts';
import { x86PrivStack } from './fixtures/x86PrivStack.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { renderAt, type Rendered } from './harness.ts';
import { statusBarLine } from '../../src/tui/panes/statusBar.ts';
import { textOf } from '../../src/tui/styled.ts';
import { themeFor } from '../../src/tui/theme.ts';
import type { View } from '../../src/debugger/view.ts';
import { paneComponent } from './paneComponent.tsx';

const CallChainPane = paneComponent(callChainPaneLines);
const DisplayPane = paneComponent(displayPaneLines);
const CodePane = paneComponent(codePaneLines);
const MapsPane = paneComponent(mapsPaneLines);
const OutputPane = paneComponent(outputPaneLines);
const PokesPane = paneComponent(pokesPaneLines);
const RegistersPane = paneComponent(registersPaneLines);
const StackPane = paneComponent(stackPaneLines);

const open: Rendered[] = [];
after(() => open.forEach((r) => r.unmount()));
const frame = (el: React.ReactElement, cols = 100, rows = 40): string => {
  const r = renderAt(el, cols, rows);
  open.push(r);
  return r.lastFrame();
};
const lines = (s: string) => s.split('\n');

describe('CodePane', () => {
  it('shows BPF insns with their native insns beneath and the C source line before them', () => {
    const f = frame(<CodePane view={x86TailCall} focused={false} width={100} height={40} />);
    const ls = lines(f);
    const src = ls.findIndex((l) => l.includes('41│ void *data = ctx;'));
    const bpf = ls.findIndex((l) => l.includes('0: r6 = r1'));
    const nat = ls.findIndex((l) => l.includes('mov rbx, rdi'));
    assert.ok(src >= 0 && src < bpf && bpf < nat, f);
  });

  it('marks the PC, breakpoints, and the poke sites with their state', () => {
    const f = frame(<CodePane view={x86TailCall} focused={false} width={100} height={40} />);
    assert.match(f, /►\s+c010000c\s+48 81 ec 08 00 00 00\s+sub rsp, 0x8/);
    assert.match(f, /●\s+1: \*\(u64 \*\)\(r10 - 8\) = r6/);
    assert.match(f, /5: tail_call \(direct, poke #1\)\s+\[poke #1 C\]/);
    assert.match(f, /jmp 0x5d\s+◀ bypass C/);
    assert.match(f, /nop5\s+◀ target C/);
  });

  it('drops the byte column when narrow and never draws past its width', () => {
    const f = frame(<CodePane view={x86TailCall} focused={false} width={48} height={18} />, 80, 24);
    assert.ok(!f.includes('48 81 ec'), f);
    for (const l of lines(f)) assert.ok(l.length <= 48, `${l.length}: ${l}`);
    assert.equal(lines(f).length, 18);
  });

  it('keeps the current line in view in a short window', () => {
    const f = frame(<CodePane view={x86PrivStack} focused={false} width={80} height={5} />);
    assert.match(f, /►.*mov byte ptr \[rsi\], dil/);
  });

  it('resolves the breakpoint target of any line: native to its insn, source line to the insn below', () => {
    assert.deepEqual(codeLineTarget(x86TailCall, 19), { program: 'prog_b', insn: 1, breakpoint: 2 });
    assert.deepEqual(codeLineTarget(x86TailCall, 20), { program: 'prog_b', insn: 2, breakpoint: null });
    assert.deepEqual(codeLineTarget(x86TailCall, 3), { program: 'prog_b', insn: 0, breakpoint: null });
  });
});

describe('RegistersPane', () => {
  it('pairs native registers with the BPF registers they hold', () => {
    const f = frame(<RegistersPane view={x86TailCall} focused={false} width={58} height={24} />);
    assert.match(f, /rdi\s+0xffff888300000000 R1/);
    assert.match(f, /rbp\s+0xffffc90010003f90 R10/);
    assert.match(f, /R6\s+rbx 0xffff888300000000/);
  });

  it('calls out the tail-call counter with where it lives and the limit', () => {
    const f = frame(<RegistersPane view={x86TailCall} focused={false} width={58} height={24} />);
    assert.match(f, /tcc 1\/33 rax = tcc_ptr -> 0xffffc90010003fd8 = 1/);
  });

  it('calls out r9 as the private frame pointer and maps R10 to it', () => {
    const f = frame(<RegistersPane view={x86PrivStack} focused={false} width={58} height={24} />);
    assert.match(f, /r9 = private frame pointer \(R10\)/);
    assert.match(f, /R10 r9\s+0xffff88840001a148/);
    assert.match(f, /r9\s+0xffff88840001a148 pfp/);
  });

  it('shows RISC-V registers and a counter that counts down in s6', () => {
    const f = frame(<RegistersPane view={riscvStop} focused={false} width={36} height={40} />);
    assert.match(f, /tcc 2\/33 \(31 left\) s6 = 31/);
    assert.match(f, /a5\s+0x000000000000002a R0/);
    assert.match(f, /s6\s+0x000000000000001f tcc/);
  });

  it('says so when there are no registers', () => {
    const f = frame(<RegistersPane view={{ ...x86TailCall, registers: null }} focused={false} width={40} height={5} />);
    assert.match(f, /no registers/);
  });
});

describe('StackPane', () => {
  it('names the slots of the current frame relative to their base register', () => {
    const f = frame(<StackPane view={x86TailCall} focused={false} width={70} height={10} />);
    assert.match(f, /rbp\+0x8\s+return address\s+0xffffffff84000000\s+sentinel/);
    assert.match(f, /rbp\+0x0\s+saved rbp/);
    assert.match(f, /rbp-0x8\s+R10-8/);
  });

  it('shows the private-stack area and its guards relative to r9', () => {
    const f = frame(<StackPane view={x86PrivStack} focused={false} width={90} height={10} />);
    assert.match(f, /r9\+0x0\s+guard \(high\)\s+0xeb9f12345678eb9f\s+guard intact/);
    assert.match(f, /r9-0x148\s+guard \(low\)/);
    assert.match(f, /r9-0x8\s+R10-8\s+0x0000000000000006/);
  });

  it('widens the name column for the longest slot name, so names never run into values', () => {
    const slots = x86TailCall.frameSlots!.slots;
    const ptr = { ...slots[1]!, kind: 'tcc-ptr' as const, name: 'tail_call_cnt_ptr', fpOff: -16, value: '0xffffc90010003fe8', note: 'points to counter = 2' };
    const view = { ...x86TailCall, frameSlots: { ...x86TailCall.frameSlots!, slots: [...slots, ptr] } };
    const f = frame(<StackPane view={view} focused={false} width={90} height={10} />);
    assert.match(f, /rbp-0x10\s+tail_call_cnt_ptr\s+0xffffc90010003fe8\s+points to counter = 2/);
    // Every value starts in the same column.
    const cols = lines(f)
      .filter((l) => /^\s*[0-9a-f]{8} rbp/.test(l))
      .map((l) => l.search(/0x[0-9a-f]{16}/));
    assert.equal(cols.length, 4);
    assert.equal(new Set(cols).size, 1, f);
    // In a narrow pane the name gives way: the whole 64-bit value still shows.
    const narrow = frame(<StackPane view={view} focused={false} width={40} height={10} />);
    assert.match(narrow, /rbp-0x10 tail_call_…\s+0xffffc90010003fe8$/m);
  });
});

describe('PokesPane', () => {
  it('shows each descriptor with its state letter and the bytes at both sites', () => {
    const f = frame(<PokesPane view={x86TailCall} focused={false} width={80} height={14} />);
    assert.match(f, /B\s+#0 entry:5 jmp_table\[0\] -> prog_b/);
    assert.match(f, /bypass c0000042: 0f 1f 44 00 00\s+nop5/);
    assert.match(f, /target c0000055: e9 b2 ff 0f 00\s+jmp prog_b\+0xc/);
    assert.match(f, /C\s+#1 prog_b:5 jmp_table\[1\] -> \(empty\) empty/);
  });

  it('highlights a transition that happened at this stop', () => {
    const f = frame(<PokesPane view={x86TailCall} focused={false} width={80} height={14} />);
    assert.match(f, /armed ◆ D->B/);
    assert.match(f, /2, 1 changed/);
    const quiet = frame(
      <PokesPane view={{ ...x86TailCall, pokes: x86TailCall.pokes.map((p) => ({ ...p, changed: false })) }} focused={false} width={80} height={14} />,
    );
    assert.ok(!quiet.includes('◆'), quiet);
  });

  it('shows a pending grace period', () => {
    const p = { ...x86TailCall.pokes[0]!, state: 'D' as const, pendingGracePeriod: { waitingFor: 'PC inside entry:5 unwind' } };
    const f = frame(<PokesPane view={{ ...x86TailCall, pokes: [p] }} focused={false} width={80} height={10} />);
    assert.match(f, /grace period pending: PC inside entry:5 unwind/);
  });
});

describe('DisplayPane', () => {
  it("lists the View's displays as gdb prints them, and why one has no value", () => {
    const view: View = {
      ...x86TailCall,
      displays: [
        { id: 1, expr: 'hops', format: null, value: '3', error: null },
        { id: 2, expr: '$r1', format: 'x', value: '0xffff888300000000', error: null },
        { id: 4, expr: 'nope', format: null, value: null, error: "no symbol 'nope' in the current context" },
      ],
    };
    const f = frame(<DisplayPane view={view} focused={false} width={70} height={6} />);
    assert.match(f, /Display/);
    assert.match(f, /1: hops = 3/);
    assert.match(f, /2: \/x \$r1 = 0xffff888300000000/);
    assert.match(f, /4: nope = <error: no symbol 'nope' in the current context>/);
  });

  it('says how to add one when there is none', () => {
    assert.match(frame(<DisplayPane view={x86TailCall} focused={false} width={60} height={4} />), /no displays \(display EXPR\)/);
  });
});

describe('CallChainPane', () => {
  it('shows tail-call hops under the frame they replaced, with the counter at each', () => {
    const f = frame(<CallChainPane view={riscvStop} focused={false} width={60} height={6} />);
    assert.match(f, /#0 entry entry:5\s+tcc 33/);
    assert.match(f, /└▶ tail call -> prog_b:5\s+tcc 32/);
    assert.match(f, /└▶ tail call -> prog_c:2\s+tcc 31/);
    assert.match(f, /1 frames, 2 tail calls/);
  });

  it('shows bpf2bpf calls as frames', () => {
    const f = frame(<CallChainPane view={x86PrivStack} focused={false} width={60} height={6} />);
    assert.match(f, /#1 entry trace_entry:3/);
    assert.match(f, /#0 call  trace_entry:14 deep_stack/);
  });
});

describe('MapsPane', () => {
  it('lists prog_array slots with their programs and other maps as key: value', () => {
    const f = frame(<MapsPane view={x86TailCall} focused={false} width={60} height={12} />);
    assert.match(f, /jmp_table \(prog_array, 4\/4, max 4\)/);
    assert.match(f, /\[0\] prog_b/);
    assert.match(f, /\[1\] -/);
    assert.match(f, /0: 3\s+\(03 00 00 00 00 00 00 00\)/);
  });
});

describe('OutputPane', () => {
  it('follows the end of the log and prefixes commands with the prompt', () => {
    const f = frame(<OutputPane lines={x86TailCall.output} focused={false} width={80} height={3} />);
    assert.ok(!f.includes('break prog_b:1'), f);
    assert.match(f, /\(bpfdbg\) continue/);
    assert.match(f, /tail call entry:5 -> prog_b/);
  });

  it('scrolls back when asked', () => {
    const f = frame(<OutputPane lines={x86TailCall.output} focused={false} width={80} height={3} scroll={0} />);
    assert.match(f, /\(bpfdbg\) break prog_b:1/);
  });
});

describe('status bar', () => {
  const bar = (history: View['history'], width = 120): string => textOf(statusBarLine({ ...x86TailCall, history }, width, themeFor({ NO_COLOR: '1' })));

  it('shows where a recording or replay stands: rec/replay, the instruction count, and the furthest count after going back', () => {
    assert.match(bar({ mode: 'recording', count: 413, horizon: 413, file: 'sessions/a.bpfrec' }), /rec insn 413  \? help $/);
    assert.match(bar({ mode: 'replay', count: 400, horizon: 418, file: 'a.bpfrec' }), /replay insn 400\/418  \? help $/);
    assert.match(bar({ mode: 'traced', count: 12, horizon: 12, file: null }), /  insn 12  \? help $/);
    assert.doesNotMatch(bar(null), /insn/);
  });

  it('keeps the help hint and the count at the right edge of a narrow terminal', () => {
    const b = bar({ mode: 'replay', count: 7, horizon: 9, file: null }, 80);
    assert.equal(b.length, 80);
    assert.ok(b.endsWith('replay insn 7/9  ? help '), b);
  });
});
