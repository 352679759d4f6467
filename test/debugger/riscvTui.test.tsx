// The TUI panes render a live riscv64 session's View (not a fixture): registers with BPF
// names and the counter, the RV64GC code window, the call chain across a tail call.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { registersPaneLines } from '../../src/tui/panes/RegistersPane.tsx';
import { codePaneLines } from '../../src/tui/panes/CodePane.tsx';
import { callChainPaneLines } from '../../src/tui/panes/CallChainPane.tsx';
import { renderAt, type Rendered } from '../tui/harness.ts';
import { exec, examplePath, have, openExample } from './fixture.ts';
import { paneComponent } from '../tui/paneComponent.tsx';

const RegistersPane = paneComponent(registersPaneLines);
const CodePane = paneComponent(codePaneLines);
const CallChainPane = paneComponent(callChainPaneLines);

const open: Rendered[] = [];
after(() => open.forEach((r) => r.unmount()));
const frame = (el: React.ReactElement, cols = 100, rows = 40): string => {
  const r = renderAt(el, cols, rows);
  open.push(r);
  return r.lastFrame();
};

test(
  'a live riscv64 View renders: a0-a7/s0-s11 with BPF names, the counter in a6, RV64GC code, the tail-call chain',
  { skip: have(examplePath('tailchain')) ? false : 'tailchain.o not built' },
  async () => {
    const s = await openExample('tailchain', { arch: 'riscv64' });
    const v = (await exec(s, 'break entry:10', 'run', 'step')).view;
    const regs = frame(<RegistersPane view={v} focused={false} width={40} height={45} />);
    assert.match(regs, /a5\s+0x0+ R0/);
    assert.match(regs, /s5\s+0x[0-9a-f]+ R10/);
    assert.match(regs, /a6\s+0x0+20 tcc/);
    assert.match(regs, /tcc 1\/33 \(32 left\)/);
    const code = frame(<CodePane view={v} focused={false} width={100} height={40} />);
    assert.match(code, /c\.addi4spn s0, sp|addi s0, sp/);
    const chain = frame(<CallChainPane view={v} focused={false} width={80} height={6} />);
    assert.match(chain, /entry/);
    assert.match(chain, /stage_parse/);
    s.dispose();
  },
);
