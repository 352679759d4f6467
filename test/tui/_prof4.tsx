import React, { useState, useEffect } from 'react';
import { EventEmitter } from 'node:events';
import { render, Box, Text } from 'ink';
import { FakeStdin } from './harness.ts';
class Out extends EventEmitter { isTTY = true; columns = 200; rows = 60; write = (_s: string) => true; }
const kind = process.argv[2];
let bump: () => void = () => {};
function T() {
  const [n, setN] = useState(0);
  bump = () => setN((x) => x + 1);
  const line = (i: number) => (kind === 'full' ? `${n} ${'x'.repeat(190)} ${i}` : `${n}`);
  return <Box flexDirection="column" width={200} height={59}>{Array.from({ length: 59 }, (_, i) => <Text key={i}>{line(i)}</Text>)}</Box>;
}
const renders: number[] = [];
render(<T />, { stdout: new Out() as any, stdin: new FakeStdin() as any, stderr: new Out() as any, exitOnCtrlC: false, patchConsole: false, maxFps: 1000, onRender: ({ renderTime }) => renders.push(renderTime) });
await new Promise((r) => setTimeout(r, 50));
const c0 = process.cpuUsage();
for (let i = 0; i < 200; i++) { bump(); await new Promise((r) => setTimeout(r, 2)); }
const c = process.cpuUsage(c0);
const s = renders.slice(20).sort((a, b) => a - b);
console.log(kind, 'renderTime p50', s[s.length >> 1]!.toFixed(2), 'cpu/frame', ((c.user + c.system) / 1000 / 200).toFixed(2));
process.exit(0);
