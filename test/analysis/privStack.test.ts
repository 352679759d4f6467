// Private stacks (6.13+): only re-entry-safe program types, no tail calls anywhere, per
// subprog when its rounded frame is >= 64 bytes; subprogs reachable from an async
// (timer) callback stay on the normal stack because the two trees may nest (seed 001).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import type { AnalysisOptions } from '../../src/analysis/types.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import type { MapDef } from '../../src/object/types.ts';
import { haveTestdata, psBasicPath, SKIP_REASON } from '../object/testdata.ts';
import { arrayMap, jmpTable, mkObj, mkProg, type ProgSpec } from './progs.ts';

function analyze(text: string, spec: ProgSpec, maps: MapDef[] = [], opts: AnalysisOptions = {}): ProgramImage {
  const prog = mkProg(text, spec);
  const r = analyzeProgram(mkObj(prog, maps), prog, opts);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}
const modes = (img: ProgramImage) => img.subprogs.map((s) => s.privStackMode);
const fentry: ProgSpec = { progType: 'tracing', section: 'fentry/foo' };

const timerProg = (cbCallsSub1: boolean) => `
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  call sub1
  r1 = map[#0][0]+0 ll
  r2 = func[timer_cb] ll
  call bpf_timer_set_callback
  r0 = 0
  exit
  sub1: r1 = 0
  *(u64 *)(r10 - 256) = r1
  r0 = 0
  exit
  timer_cb: call ${cbCallsSub1 ? 'sub1' : 'sub2'}
  call sub2
  r0 = 0
  exit
  sub2: r0 = 0
  exit`;
const timerFuncs = {
  funcs: [
    { name: 'prog', start: 0 },
    { name: 'sub1', start: 10 },
    { name: 'timer_cb', start: 14 },
    { name: 'sub2', start: 18 },
  ],
};

test('a subprog shared with an async callback uses the normal stack', () => {
  const img = analyze(timerProg(true), { ...fentry, ...timerFuncs }, [arrayMap(0, 16)]);
  assert.deepEqual(modes(img), ['unknown', 'none', 'none', 'none']);
  assert.equal(img.subprogs[2]!.isAsyncCb, true);
  assert.equal(img.usesPrivStack, false);
  assert.deepEqual(img.notes, ['stack depth 8+256+0+0 max 272']);
});

test('a large subprog reachable only from the main tree gets a private stack', () => {
  const img = analyze(timerProg(false), { ...fentry, ...timerFuncs }, [arrayMap(0, 16)]);
  assert.deepEqual(modes(img), ['unknown', 'adaptive', 'none', 'none']);
  assert.equal(img.usesPrivStack, true);
  assert.deepEqual(img.notes, ['stack depth 8+256+0+0 max 256']);
});

const bigMain = 'r1 = 0\n*(u64 *)(r10 - 512) = r1\ncall sub\nexit\nsub: r1 = 0\n*(u64 *)(r10 - 32) = r1\nr0 = 0\nexit';
const bigFuncs = {
  funcs: [
    { name: 'prog', start: 0 },
    { name: 'sub', start: 4 },
  ],
};

test('a private frame does not count toward the 512-byte combined limit', () => {
  const img = analyze(bigMain, { progType: 'kprobe', section: 'kprobe/x', ...bigFuncs });
  assert.deepEqual(modes(img), ['adaptive', 'unknown']);
  assert.deepEqual(img.notes, ['stack depth 512+32 max 512']);
});

test('program types without re-entry protection never use a private stack unless forced', () => {
  const spec = { progType: 'xdp' as const, section: 'xdp', ...bigFuncs };
  const prog = mkProg(bigMain, spec);
  const r = analyzeProgram(mkObj(prog), prog);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.message, 'combined stack size of 2 calls is 544. Too large');
  assert.deepEqual(modes(analyze(bigMain, spec, [], { privStack: 'forced' })), ['adaptive', 'unknown']);
});

test('policy off, older kernels and any tail call disable it', () => {
  const small = 'r1 = 0\n*(u64 *)(r10 - 128) = r1\nr0 = 0\nexit';
  const rawtp = { progType: 'raw_tracepoint' as const, section: 'raw_tp/x' };
  assert.deepEqual(modes(analyze(small, rawtp)), ['adaptive']);
  assert.deepEqual(modes(analyze(small, rawtp, [], { privStack: 'off' })), ['none']);
  assert.deepEqual(modes(analyze(small, rawtp, [], { kernel: '6.12' })), ['none']);
  const withTc = 'r1 = 0\n*(u64 *)(r10 - 128) = r1\nr2 = map[#0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit';
  assert.deepEqual(modes(analyze(withTc, rawtp, [jmpTable(0)], { privStack: 'forced' })), ['none']);
  // Iterators are tracing programs the trampoline does not guard against recursion.
  assert.deepEqual(modes(analyze(small, { progType: 'tracing', section: 'iter/task' })), ['none']);
});

test('ps_basic.o: the 96-byte subprog gets a private stack, the small main does not', { skip: !haveTestdata && SKIP_REASON }, () => {
  const o = loadObjectFile(psBasicPath);
  assert.ok(o.ok);
  const r = analyzeProgram(o.value, o.value.programs[0]!);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.subprogs.map((s) => [s.name, s.stackDepth, s.privStackMode]),
    [
      ['big', 8, 'unknown'],
      ['sub', 96, 'adaptive'],
    ],
  );
  assert.equal(r.value.usesPrivStack, true);
});
