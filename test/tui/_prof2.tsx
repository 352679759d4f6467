import React from 'react';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { render } from 'ink';
import { App } from '../../src/tui/App.tsx';
import { FakePort } from './fixtures/fakePort.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { FakeStdin } from './harness.ts';
class Out extends EventEmitter { isTTY = true; columns = 200; rows = 60; log: [number, number][] = []; t0 = 0;
  write = (s: string) => { this.log.push([performance.now() - this.t0, s.length]); return true; }; }
const out = new Out();
const renders: number[] = [];
const port = new FakePort(x86TailCall);
const inc = process.argv[2] === 'inc';
render(<App port={port} />, { stdout: out as any, stdin: new FakeStdin() as any, stderr: out as any, exitOnCtrlC: false, patchConsole: false, incrementalRendering: inc, maxFps: 60,
  onRender: ({ renderTime }) => renders.push(renderTime) });
await new Promise((r) => setTimeout(r, 100));
for (let i = 0; i < Number(process.argv[3] ?? 5); i++) {
  out.log = []; renders.length = 0; out.t0 = performance.now();
  await port.execute('stepi');
  await new Promise((r) => setTimeout(r, 100));
  if (process.argv[3] === undefined) console.log(JSON.stringify(out.log.map(([t, n]) => [t.toFixed(1), n])), 'inkRender', renders.map((x) => x.toFixed(1)));
}
process.exit(0);
