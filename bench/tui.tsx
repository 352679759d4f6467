// TUI benchmark, end to end through runTui as bin/bpfdbg runs it: (1) a new View arrives
// -> the frame is on the terminal; (2) key `i` on stdin -> stepi -> new View -> frame on
// the terminal; (3) typing in the command line, key to frame. The clock stops when the frame's bytes reach the terminal stream (a
// TTY-like stdout); every byte written is replayed into a terminal emulator
// (test/tui/terminalScreen.ts) and each frame is checked there (the PC marker on the
// expected line), so a frame that is fast but wrong, late or half-written fails the run.
// Keys are paced slower than the 60 fps cap, as with a person typing.
//
// Side by side: `frame writer` is the full-screen path (only changed rows written);
// `Ink` is the same App drawn by Ink's own renderer (runTui's inline mode), i.e. how
// every frame was drawn before the frame writer, with colour on as in a terminal.
// Run: node --import tsx bench/tui.tsx [iterations] [--no-ink]   (re-runs itself with
// NODE_ENV=production: React's development build is 3-4x slower and is not what users run)
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { DisasmLine, View } from '../src/debugger/view.ts';
import { shortAddr } from '../src/tui/format.ts';
import { runTui } from '../src/tui/run.tsx';
import { FakePort } from '../test/tui/fixtures/fakePort.ts';
import { x86TailCall } from '../test/tui/fixtures/x86TailCall.ts';
import { FakeStdin } from '../test/tui/harness.ts';
import { TerminalScreen } from '../test/tui/terminalScreen.ts';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 300);
const WITH_INK = !args.includes('--no-ink');

/** A terminal: counts and replays what is written, and says when a write arrives. */
class Tty extends EventEmitter {
  isTTY = true;
  bytes = 0;
  writes = 0;
  screen: TerminalScreen;
  onWrite: ((at: number) => void) | null = null;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
    this.screen = new TerminalScreen(columns, rows);
  }
  write = (s: string): boolean => {
    const at = performance.now();
    this.bytes += Buffer.byteLength(s);
    this.writes++;
    this.screen.write(s);
    // A frame's content (not Ink's bare synchronized-output markers).
    if (s.length > 16) this.onWrite?.(at);
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

/** The terminal shows the PC marker on the native line `current` of `v`. */
function showsPc(screen: TerminalScreen, v: View): boolean {
  const l = v.disasm!.lines[v.disasm!.current!]!;
  if (l.kind !== 'native') return false;
  const addr = shortAddr(l.addr);
  for (let y = 0; y < screen.rows; y++) {
    const r = screen.row(y);
    if (r.includes('►') && new RegExp(`►\\s+${addr}`).test(r)) return true;
  }
  return false;
}

async function bench(COLS: number, ROWS: number, ink: boolean): Promise<void> {
  const out = new Tty(COLS, ROWS);
  const stdin = new FakeStdin();
  const port = new FakePort(bigView(), stepCycle);
  const done = runTui(port, {
    stdout: out as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: out as unknown as NodeJS.WriteStream,
    env: {},
    inline: ink,
  });
  await sleep(100);
  // The frame showing `v`: the first write after which the terminal shows it.
  const frameShowing = (v: () => View): Promise<number> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no frame showed the new PC within 5 s; the terminal shows:\n${out.screen.text()}`)), 5000);
      out.onWrite = (at) => {
        if (!showsPc(out.screen, v())) return;
        clearTimeout(t);
        out.onWrite = null;
        resolve(at);
      };
    });

  const b0 = out.bytes;
  const w0 = out.writes;
  // 1. A new View arrives: full-screen frame (every pane changes).
  const frame: number[] = [];
  const cpuFrame: number[] = [];
  for (let i = 0; i < N; i++) {
    const v = { ...stepCycle('stepi', port.view())!, seq: port.view().seq + 1 };
    const shown = frameShowing(() => v);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    port.set(v);
    frame.push((await shown) - t0);
    const c = process.cpuUsage(c0);
    cpuFrame.push((c.user + c.system) / 1000);
    await sleep(20);
  }

  // 2. Key `i` -> 'stepi' -> new View -> frame on the terminal.
  const key: number[] = [];
  const cpuKey: number[] = [];
  for (let i = 0; i < N; i++) {
    const expected = stepCycle('stepi', port.view())!;
    const shown = frameShowing(() => expected);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    stdin.write('i');
    key.push((await shown) - t0);
    const c = process.cpuUsage(c0);
    cpuKey.push((c.user + c.system) / 1000);
    await sleep(20);
  }
  const bytes = out.bytes - b0;
  const writes = out.writes - w0;

  // 3. Typing in the command line: 'x' then Backspace, each key to its frame.
  const typing: number[] = [];
  stdin.write(':');
  await sleep(30);
  const tb0 = out.bytes;
  const promptShows = (text: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the command line never showed ${JSON.stringify(text)}`)), 5000);
      out.onWrite = (at) => {
        const last =
          out.screen
            .text()
            .split('\n')
            .filter((l) => l.startsWith('(bpfdbg)'))
            .pop() ?? '';
        // What is typed, without the hint an empty focused prompt shows after two spaces.
        const typed = last.slice('(bpfdbg) '.length).split('  ')[0]!.replace(/ +$/, '');
        if (!last.startsWith('(bpfdbg)') || typed !== text) return;
        clearTimeout(t);
        out.onWrite = null;
        resolve(at);
      };
    });
  for (let i = 0; i < N; i++) {
    const [k, text] = i % 2 === 0 ? ['x', 'x'] : ['\x7f', ''];
    const shown = promptShows(text);
    const t0 = performance.now();
    stdin.write(k);
    typing.push((await shown) - t0);
    await sleep(20);
  }
  const typingBytes = out.bytes - tb0;
  stdin.write('\x1b');
  await sleep(30);
  const s = out.screen;
  const state = `alt screen ${s.altScreen}, synchronized update open ${s.syncOpen}, rows scrolled ${s.scrolled}`;
  const sane = s.altScreen === !ink && !s.syncOpen && s.scrolled === 0;
  stdin.write('q');
  await done;

  console.log(`bpfdbg TUI benchmark, ${COLS}x${ROWS}, ${ink ? 'Ink (inline mode, colour)' : 'frame writer (full screen)'}, ${N} iterations each`);
  console.log(`full-screen frame for a new View, wall : ${fmt(frame)}`);
  console.log(`                                  CPU  : ${fmt(cpuFrame)}`);
  console.log(`key-to-frame latency (i = stepi), wall : ${fmt(key)}`);
  console.log(`                                  CPU  : ${fmt(cpuKey)}`);
  console.log(`typing in the command line, wall       : ${fmt(typing)}`);
  console.log(
    `bytes written per frame (avg)          : ${Math.round(bytes / (2 * N))} for a step (${writes} writes), ${Math.round(typingBytes / N)} for a typed key`,
  );
  console.log(`terminal state after the frames        : ${sane ? 'ok' : 'WRONG'} (${state})`);
  console.log(`load average (1 min) during the run    : ${loadavg()[0]!.toFixed(2)} on ${cpus().length} CPUs`);
  console.log(`target: p99 <= 16 ms -> ${pct(key, 99) <= 16 && pct(frame, 99) <= 16 ? 'met' : 'NOT met'}`);
  console.log('');
}

async function main(): Promise<void> {
  for (const [c, r] of [
    [200, 60],
    [80, 24],
  ] as const) {
    await bench(c, r, false);
    if (WITH_INK) await bench(c, r, true);
  }
}

if (process.env['NODE_ENV'] !== 'production') {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    // FORCE_COLOR: Ink's colours (chalk) are on at a terminal; this child's stdout may not be one.
    env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '1' },
  });
  process.exit(r.status ?? 1);
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`bench/tui: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
