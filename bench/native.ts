// bench/native: `bpfdbg run --repeat N` against the real kernel's BPF_PROG_TEST_RUN on the
// same objects, side by side, in one run. The bundled examples plus three speed programs
// (examples/speed/*.c: a compute loop, a bpf_loop loop, a stack/map memory loop). Both
// columns are test_run's `duration`: the average wall time of one run, the ctx built once.
// Also start-up: wall time of `bpfdbg list` and `bpfdbg run` on a small object, and of the
// full-screen UI's first frame (under tmux).
//
// THE NATIVE COLUMN LOADS THE PROGRAMS INTO THIS MACHINE'S KERNEL (bpftool prog loadall
// into a bpffs mounted on a temporary directory, then `bpftool prog run`), and only when
// run as root with bpftool present and BPF_PROG_LOAD allowed; otherwise it stays empty and
// the benchmark says why. Tests never do this.
//
// `node --import tsx bench/native.ts [startup]` (BENCH_REPEAT=N sets --repeat, default 200;
// `startup` measures start-up and the first frame only).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/bpfdbg');
const REPEAT = Number(process.env.BENCH_REPEAT ?? 200);
const STARTUP_ONLY = process.argv[2] === 'startup';

interface Case {
  label: string;
  object: string;
  prog: string;
  kind: 'compute' | 'memory' | 'helper' | 'small';
  data: Uint8Array;
}

const zero = (n: number) => new Uint8Array(n);
const CASES: Case[] = [
  { label: 'compute: 50,000 xorshift rounds', object: 'speed/speed_compute.o', prog: 'compute', kind: 'compute', data: zero(64) },
  { label: 'memory: 20,000 stack + map value rounds', object: 'speed/speed_memory.o', prog: 'memory', kind: 'memory', data: zero(64) },
  { label: 'bpf_loop: 2,000 callbacks x 16 rounds', object: 'speed/speed_loop.o', prog: 'loop', kind: 'helper', data: zero(64) },
  { label: 'tailchain (3 tail calls)', object: 'tailchain.o', prog: 'entry', kind: 'small', data: zero(64) },
  { label: 'selfloop (33 tail calls)', object: 'selfloop.o', prog: 'loop', kind: 'small', data: zero(64) },
  { label: 'subprog_tail', object: 'subprog_tail.o', prog: 'entry', kind: 'small', data: zero(64) },
  { label: 'xdp_parse', object: 'xdp_parse.o', prog: 'xdp_parse', kind: 'small', data: zero(64) },
  { label: 'timer_shared (bpf_timer)', object: 'timer_shared.o', prog: 'arm_timer', kind: 'small', data: zero(64) },
];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** `bpfdbg run --json`: retval and duration (ns), or the error line. */
function bpfdbgRun(c: Case, engine: string): { retval: number; ns: number } | string {
  const r = spawnSync(
    process.execPath,
    [BIN, 'run', join(ROOT, 'examples', c.object), '--prog', c.prog, '--engine', engine, '--repeat', String(REPEAT), '--data-hex', hex(c.data), '--json'],
    { encoding: 'utf8' },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as { retval: number; duration: number; error: { message: string } | null };
    return j.error ? j.error.message : { retval: j.retval, ns: j.duration };
  } catch {
    return (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? `exit ${r.status}`;
  }
}

/** Why the kernel column is empty, or null when it can be filled. */
function nativeUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (BPF_PROG_LOAD and BPF_PROG_TEST_RUN need CAP_BPF + CAP_NET_ADMIN)';
  if (spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status !== 0) return 'bpftool is not installed (apt-get install bpftool)';
  return null;
}

class Bpffs {
  readonly dir = mkdtempSync(join(tmpdir(), 'bpfdbg-bench-bpffs-'));
  private mounted = false;
  mount(): string | null {
    const r = spawnSync('mount', ['-t', 'bpf', 'bpf', this.dir], { encoding: 'utf8' });
    if (r.status !== 0) return `cannot mount a bpffs: ${r.stderr.trim()}`;
    this.mounted = true;
    return null;
  }
  close(): void {
    if (this.mounted) spawnSync('umount', [this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The kernel's test_run through bpftool: retval and duration (ns), or why it failed. */
function kernelRun(fs: Bpffs, c: Case, n: number): { retval: number; ns: number } | string {
  const pins = join(fs.dir, `o${n}`);
  // Maps pinned too: a prog_array is emptied when its last user reference goes
  // (usercnt 0, bpf_fd_array_map_clear), so unpinned its slots would be gone by the run.
  const load = spawnSync('bpftool', ['prog', 'loadall', join(ROOT, 'examples', c.object), pins, 'pinmaps', join(pins, 'maps')], { encoding: 'utf8' });
  if (load.status !== 0) return `load failed: ${load.stderr.trim().split('\n').pop()}`;
  const input = join(fs.dir, '..', `bpfdbg-bench-in-${process.pid}`);
  writeFileSync(input, c.data);
  try {
    const out = spawnSync('bpftool', ['prog', 'run', 'pinned', join(pins, c.prog), 'data_in', input, 'repeat', String(REPEAT)], { encoding: 'utf8' });
    const m = /Return value: (\d+), duration \(average\): (\d+)ns/.exec(out.stdout + out.stderr);
    return m ? { retval: Number(m[1]), ns: Number(m[2]) } : `run failed: ${(out.stderr || out.stdout).trim().split('\n').pop()}`;
  } finally {
    rmSync(input, { force: true });
    rmSync(pins, { recursive: true, force: true });
  }
}

const us = (ns: number) => (ns >= 100_000 ? `${(ns / 1e3).toFixed(0)} µs` : ns >= 1000 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns} ns`);

/** Median wall time (ms) of `bin/bpfdbg ARGS` over `runs` runs. */
function wallMs(args: string[], runs = 5): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Median time (ms) from starting the full-screen UI under tmux until its first frame shows. */
async function firstFrameMs(runs = 3): Promise<number | string> {
  if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) return 'tmux is not installed';
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = `bpfdbg-bench-native-${process.pid}-${i}`;
    // A server of its own per run: a new session right after the last one was killed may
    // reach the exiting server ("server exited unexpectedly").
    const tmux = (args: string[]) => ['-L', s, ...args];
    const t0 = performance.now();
    execFileSync(
      'tmux',
      tmux(['new-session', '-d', '-s', s, '-x', '120', '-y', '40', `NO_COLOR=1 node ${BIN} ${join(ROOT, 'examples/tailchain.o')}; sleep 30`]),
    );
    try {
      for (;;) {
        const screen = execFileSync('tmux', tmux(['capture-pane', '-t', s, '-p']), { encoding: 'utf8' });
        if (/not started/.test(screen)) break;
        if (performance.now() - t0 > 30_000) return 'no frame within 30 s';
        await new Promise((r) => setTimeout(r, 5));
      }
      t.push(performance.now() - t0);
    } finally {
      spawnSync('tmux', tmux(['kill-server']), { stdio: 'ignore' });
    }
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const loadBefore = loadavg()[0]!.toFixed(2);
const why = STARTUP_ONLY ? 'start-up only' : nativeUnavailable();
const fs = why ? null : new Bpffs();
const mountWhy = fs ? fs.mount() : null;
const kernelWhy = why ?? mountWhy;
const rows: string[] = [];
try {
  (STARTUP_ONLY ? [] : CASES).forEach((c, n) => {
    const x86 = bpfdbgRun(c, 'x86_64');
    const interp = bpfdbgRun(c, 'interp');
    const native = fs && !kernelWhy ? kernelRun(fs, c, n) : null;
    const cell = (r: { ns: number } | string | null) => (r === null ? '' : typeof r === 'string' ? `(${r})` : us(r.ns));
    const ratio = typeof x86 !== 'string' && native && typeof native !== 'string' ? `**${(x86.ns / native.ns).toFixed(1)}×**` : '';
    const agree =
      typeof x86 !== 'string' && native && typeof native !== 'string' && x86.retval !== native.retval
        ? ` (retval ${x86.retval} vs kernel ${native.retval})`
        : '';
    rows.push(`| ${c.label} | ${cell(x86)} | ${cell(interp)} | ${cell(native)} | ${ratio}${agree} |`);
  });
} finally {
  fs?.close();
}

console.log(`bpfdbg run --repeat ${REPEAT} vs the kernel's BPF_PROG_TEST_RUN (bpftool prog run ... repeat ${REPEAT}); duration = average per run`);
if (kernelWhy) console.log(`kernel column empty: ${kernelWhy}`);
console.log('');
console.log('| program | bpfdbg x86-64 (Unicorn) | bpfdbg interpreter | kernel (native JIT) | x86-64 / kernel |');
console.log('| --- | --- | --- | --- | --- |');
rows.forEach((r) => console.log(r));
console.log('');
const small = join(ROOT, 'examples/tailchain.o');
console.log(
  `start-up (wall, median of 5): bpfdbg list ${wallMs(['list', small]).toFixed(0)} ms; ` +
    `bpfdbg run ${wallMs(['run', small, '--data-hex', hex(zero(64))]).toFixed(0)} ms; node -e 0 ${(() => {
      const t: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        execFileSync(process.execPath, ['-e', '0']);
        t.push(performance.now() - t0);
      }
      return t.sort((a, b) => a - b)[2]!.toFixed(0);
    })()} ms`,
);
const ff = await firstFrameMs();
console.log(`full-screen UI, start to first frame (tmux, median of 3): ${typeof ff === 'string' ? ff : `${ff.toFixed(0)} ms`}`);
console.log(`load average (1 min): ${loadBefore} at the start, ${loadavg()[0]!.toFixed(2)} at the end`);
