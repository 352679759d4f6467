// TUI benchmark: (1) time to render a full 200x60 frame for a new View, (2) key-to-frame
// latency for `i` (stepi) against a fake port that answers with a new View. Ink runs as
// in a terminal: TTY-like stdout, incremental rendering, 60 fps cap; keys are paced
// slower than the cap so the throttle never delays a frame, as with a person typing.
// Run: node --import tsx bench/tui.tsx [iterations]   (re-runs itself with NODE_ENV=production:
// React's development build is 3-4x slower and is not what users run)
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { render } from 'ink';
import { App } from '../src/tui/App.tsx';
import type { DisasmLine, View } from '../src/debugger/view.ts';
import { FakePort } from '../test/tui/fixtures/fakePort.ts';
import { x86TailCall } from '../test/tui/fixtures/x86TailCall.ts';
import { FakeStdin } from '../test/tui/harness.ts';

const N = Number(process.argv[2] ?? 300);

class TtyOut extends EventEmitter {
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  bytes = 0;
  onWrite: (() => void) | null = null;
  write = (s: string): boolean => {
    this.bytes += s.length;
    // Frames are the writes that carry content (not the bare sync-update markers).
    if (s.length > 16) this.onWrite?.();
    return true;
  };
}

/** A long program: the fixture's prog_b repeated so the code pane has 200+ lines to scroll through. */
function bigView(): View {
  const d = x86TailCall.disasm!;
  const lines: DisasmLine[] = [];
  for (let k = 0; k < 6; k++) lines.push(...d.lines);
  return { ...x86TailCall, disasm: { ...d, lines, current: 6 } };
}

/** stepi: next native line, wrapping; every register changes so every pane re-renders. */
function stepCycle(cmd: string, v: View): View | null {
  if (cmd !== 'stepi' || !v.disasm) return null;
  const lines = v.disasm.lines;
  let next = ((v.disasm.current ?? 0) + 1) % lines.length;
  while (lines[next]!.kind !== 'native') next = (next + 1) % lines.length;
  const regs = v.registers!;
  const bump = (h: string): string => '0x' + (BigInt(h) + 1n).toString(16);
  return {
    ...v,
    stop: { kind: 'step', unit: 'stepi' },
    disasm: { ...v.disasm, current: next },
    registers: { ...regs, native: regs.native.map((r) => ({ ...r, value: bump(r.value), changed: true })) },
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (xs: number[]): string =>
  `p50 ${pct(xs, 50).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms  max ${Math.max(...xs).toFixed(2)} ms  (n=${xs.length})`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function bench(COLS: number, ROWS: number): Promise<void> {
  const out = new TtyOut(COLS, ROWS);
  const stdin = new FakeStdin();
  const port = new FakePort(bigView(), stepCycle);
  const ink = render(<App port={port} />, {
    stdout: out as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: out as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
    incrementalRendering: true,
    maxFps: 60,
  });
  await sleep(50);
  const nextFrame = (): Promise<void> => new Promise((r) => (out.onWrite = () => ((out.onWrite = null), r())));

  // 1. A new View arrives: full-screen frame (every pane changes).
  const frame: number[] = [];
  const cpuFrame: number[] = [];
  for (let i = 0; i < N; i++) {
    const v = stepCycle('stepi', port.view())!;
    const done = nextFrame();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    port.set({ ...v, seq: port.view().seq + 1 });
    await done;
    frame.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuFrame.push((c.user + c.system) / 1000);
    await sleep(20);
  }

  // 2. Key `i` -> 'stepi' -> new View -> frame on the terminal.
  const key: number[] = [];
  const cpuKey: number[] = [];
  for (let i = 0; i < N; i++) {
    const done = nextFrame();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    stdin.write('i');
    await done;
    key.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuKey.push((c.user + c.system) / 1000);
    await sleep(20);
  }
  ink.unmount();
  ink.cleanup();

  console.log(`bpfdbg TUI benchmark, ${COLS}x${ROWS}, ${N} iterations each`);
  console.log(`full-screen frame for a new View, wall : ${fmt(frame)}`);
  console.log(`                                  CPU  : ${fmt(cpuFrame)}`);
  console.log(`key-to-frame latency (i = stepi), wall : ${fmt(key)}`);
  console.log(`                                  CPU  : ${fmt(cpuKey)}`);
  console.log(`load average (1 min) during the run    : ${(await import('node:os')).loadavg()[0]!.toFixed(2)} on ${(await import('node:os')).cpus().length} CPUs`);
  console.log(`bytes written per frame (avg)          : ${Math.round(out.bytes / (2 * N))}`);
  console.log(`target: p99 <= 16 ms -> ${pct(key, 99) <= 16 && pct(frame, 99) <= 16 ? 'met' : 'NOT met'}`);
  console.log('');
}

async function main(): Promise<void> {
  await bench(200, 60);
  await bench(80, 24);
}

if (process.env['NODE_ENV'] !== 'production') {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  process.exit(r.status ?? 1);
} else {
  void main();
}
