import React from 'react';
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { App } from '../../src/tui/App.tsx';
import { FakePort } from './fixtures/fakePort.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { FakeStdin } from './harness.ts';
class Out extends EventEmitter { isTTY = true; columns = 200; rows = 60; write = (_s: string) => true; }
const out = new Out();
const renders: number[] = [];
const port = new FakePort(x86TailCall);
render(<App port={port} />, { stdout: out as any, stdin: new FakeStdin() as any, stderr: out as any, exitOnCtrlC: false, patchConsole: false, incrementalRendering: true, maxFps: 1000,
  onRender: ({ renderTime }) => renders.push(renderTime) });
await new Promise((r) => setTimeout(r, 50));
const cpu0 = process.cpuUsage();
for (let i = 0; i < Number(process.argv[2] ?? 60); i++) { await port.execute(i % 2 ? 'stepi' : 'x'); await new Promise((r) => setTimeout(r, 3)); }
const cpu = process.cpuUsage(cpu0);
const s = renders.slice(10).sort((a, b) => a - b);
console.log('ink renderTime p50', s[s.length >> 1]!.toFixed(2), 'cpu/frame ms', ((cpu.user + cpu.system) / 1000 / Number(process.argv[2] ?? 60)).toFixed(2));
process.exit(0);
