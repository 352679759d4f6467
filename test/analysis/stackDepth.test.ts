// Per-subprog stack depth (the verifier's high-water mark, multiples of 8) and
// check_max_stack_depth: combined 512 with 16-byte rounding, 8 frames, the 256-byte rule
// for subprogs with tail calls, and tail_call_reachable marking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram, AnCode } from '../../src/analysis/index.ts';
import { analyzeOk as analyze, arrayMap, jmpTable, mkObj, mkProg, type ProgSpec } from './progs.ts';
import { MapType, type MapDef } from '../../src/object/types.ts';

function rejectMsg(text: string, spec: ProgSpec = {}, maps: MapDef[] = []): string {
  const prog = mkProg(text, spec);
  const r = analyzeProgram(mkObj(prog, maps), prog);
  assert.equal(r.ok, false);
  return r.ok ? '' : r.error.message;
}
const funcs = (...names: [string, number][]) => ({ funcs: names.map(([name, start]) => ({ name, start })) });

test('a 1-byte access at r10-1 makes an 8-byte frame', () => {
  const img = analyze('r1 = 0\n*(u8 *)(r10 - 1) = r1\nr0 = 0\nexit');
  assert.equal(img.subprogs[0]!.stackDepth, 8);
});

test('frame-pointer copies, arithmetic, and spills of them count toward the frame', () => {
  const img = analyze(`
    r2 = r10
    r2 += -40
    *(u64 *)(r10 - 8) = r2
    r3 = *(u64 *)(r10 - 8)
    r1 = 0
    *(u32 *)(r3 - 20) = r1
    r0 = 0
    exit`);
  assert.equal(img.subprogs[0]!.stackDepth, 64); // -40 - 20 = -60 -> 64
});

test('helper key pointers count with the map key size', () => {
  const img = analyze(
    `
    r2 = r10
    r2 += -132
    r1 = map[#0] ll
    call bpf_map_delete_elem
    r0 = 0
    exit`,
    {},
    [{ ...arrayMap(0), type: 1, keySize: 16 }],
  );
  assert.equal(img.subprogs[0]!.stackDepth, 136); // [-132, -116) -> round_up(132, 8)
});

test('a pointer into the caller frame passed to a subprog grows the caller frame', () => {
  const img = analyze(
    `
    r1 = r10
    r1 += -16
    call sub
    exit
    sub: r2 = 7
    *(u64 *)(r1 - 48) = r2
    r0 = 0
    exit`,
    funcs(['prog', 0], ['sub', 4]),
  );
  assert.deepEqual(
    img.subprogs.map((s) => s.stackDepth),
    [64, 0],
  );
});

test('rejects a call chain whose rounded frames exceed 512 bytes combined', () => {
  const msg = rejectMsg(
    `
    r1 = 0
    *(u64 *)(r10 - 264) = r1
    call sub
    exit
    sub: r1 = 0
    *(u64 *)(r10 - 256) = r1
    r0 = 0
    exit`,
    funcs(['prog', 0], ['sub', 4]),
  );
  assert.equal(msg, 'combined stack size of 2 calls is 528. Too large'); // 272 + 256
});

test('rejects a subprog with a tail call reached under 256 bytes of caller frames', () => {
  const msg = rejectMsg(
    `
    r1 = 0
    *(u64 *)(r10 - 256) = r1
    call sub
    exit
    sub: r2 = map[#0] ll
    r3 = 0
    call 12
    r0 = 0
    exit`,
    funcs(['prog', 0], ['sub', 4]),
    [jmpTable(0)],
  );
  assert.equal(msg, 'tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large');
});

test('accepts the same chain when the callers use less than 256 bytes', () => {
  const img = analyze(
    `
    r1 = 0
    *(u64 *)(r10 - 240) = r1
    call sub
    exit
    sub: r2 = map[#0] ll
    r3 = 0
    call 12
    r0 = 0
    exit`,
    funcs(['prog', 0], ['sub', 4]),
    [jmpTable(0)],
  );
  assert.deepEqual(
    img.subprogs.map((s) => s.stackDepth),
    [240, 0],
  );
});

test('rejects more than 8 nested call frames (9 frames, as symbolic execution counts them)', () => {
  const lines = ['call f1', 'exit'];
  const fs: [string, number][] = [['prog', 0]];
  for (let k = 1; k <= 8; k++) {
    fs.push([`f${k}`, lines.length]);
    lines.push(k < 8 ? `f${k}: call f${k + 1}` : `f${k}: r0 = 0`, 'exit');
  }
  const msg = rejectMsg(lines.join('\n'), funcs(...fs));
  assert.equal(msg, 'the call stack of 9 frames is too deep');
});

test('marks tail_call_reachable below a tail-calling subprog, stickily for the rest of the walk', () => {
  // main -> tc (tail call); main -> b -> c. b is marked too (sticky flag), c is not.
  const img = analyze(
    `
    call tc
    call b
    exit
    tc: r2 = map[#0] ll
    r3 = 0
    call 12
    r0 = 0
    exit
    b: call c
    exit
    c: r0 = 0
    exit`,
    funcs(['prog', 0], ['tc', 3], ['b', 9], ['c', 11]),
    [jmpTable(0)],
  );
  assert.deepEqual(
    img.subprogs.map((s) => s.tailCallReachable),
    [true, true, true, false],
  );
  assert.equal(img.tailCallReachable, true);
});

test('the note names every subprog depth and the deepest combined chain', () => {
  const img = analyze(
    `
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call sub
    exit
    sub: r1 = 0
    *(u64 *)(r10 - 32) = r1
    r0 = 0
    exit`,
    funcs(['prog', 0], ['sub', 4]),
  );
  assert.deepEqual(img.notes, ['stack depth 8+32 max 48']);
});

test('AnCode names are stable', () => {
  assert.equal(AnCode.combinedStackTooLarge, 'verifier.combined-stack-too-large');
});

test('kernel 6.1 records the unrounded depth and rounds frames to 32 for the combined check', () => {
  const prog = mkProg('r1 = 0\n*(u8 *)(r10 - 1) = r1\nr0 = 0\nexit');
  const r = analyzeProgram(mkObj(prog), prog, { kernel: '6.1' });
  assert.ok(r.ok);
  assert.equal(r.value.subprogs[0]!.stackDepth, 1);
  assert.deepEqual(r.value.notes, ['stack depth 1']);
  // 264 + 232 bytes: 288 + 256 with 32-byte rounding (6.1) is too much; 272 + 240 fits.
  const text = 'r1 = 0\n*(u64 *)(r10 - 264) = r1\ncall sub\nexit\nsub: r1 = 0\n*(u64 *)(r10 - 232) = r1\nr0 = 0\nexit';
  const p2 = mkProg(text, funcs(['prog', 0], ['sub', 4]));
  assert.equal(analyzeProgram(mkObj(p2), p2).ok, true); // 272 + 240 = 512
  const r61 = analyzeProgram(mkObj(p2), p2, { kernel: '6.1' });
  assert.equal(!r61.ok && r61.error.message, 'combined stack size of 2 calls is 544. Too large'); // 288 + 256
});

test('a helper initialising a dynptr on the stack touches all 16 bytes of it', () => {
  const img = analyze(
    `
    r4 = r10
    r4 += -16
    r1 = map[#0] ll
    w2 = 64
    r3 = 0
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_discard_dynptr
    r0 = 0
    exit`,
    { progType: 'tracepoint', section: 'tp/x/y' },
    [{ ...arrayMap(0), type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 }],
  );
  assert.equal(img.subprogs[0]!.stackDepth, 16);
});

test('a zero-size helper buffer still counts its offset; fixed-size result pointers count their size', () => {
  const zero = analyze('r1 = r10\nr1 += -8\nr2 = 0\nr3 = 0\ncall bpf_probe_read_kernel\nexit', { progType: 'tracepoint', section: 'tp/x/y' });
  assert.equal(zero.subprogs[0]!.stackDepth, 8);
  const res = analyze(
    `
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_strtoul
    r0 = 1
    exit`,
    { progType: 'cgroup_sysctl', section: 'cgroup/sysctl' },
  );
  assert.equal(res.subprogs[0]!.stackDepth, 16); // strtoul's *res at fp-16, 8 bytes
});

test('kfunc memory arguments grow the frame by their BTF size, or by the size register', () => {
  const text = `
    r1 = r10
    r1 += -24
    w2 = 0
    w3 = 10
    call kfunc#77
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = r10
    r3 += -48
    w4 = 12
    call kfunc#78
    r0 = 0
    exit`;
  const prog = mkProg(text, { progType: 'tracepoint', section: 'tp/x/y' });
  const obj = mkObj(prog);
  obj.externs = [
    { name: 'bpf_iter_num_new', kind: 'kfunc', kernelBtfId: 77, memArgs: [{ reg: 1, size: 8 }] },
    { name: 'bpf_dynptr_slice', kind: 'kfunc', kernelBtfId: 78, memArgs: [{ reg: 3, sizeReg: 4 }] },
  ];
  const r = analyzeProgram(obj, prog);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.subprogs[0]!.stackDepth, 48); // the slice buffer [-48, -36) is the deepest
});

test('a stack pointer passed to a global function counts with the size of its BTF pointee', () => {
  const prog = mkProg(
    `
    r1 = r10
    r1 += -40
    call foo
    exit
    foo: r0 = 0
    exit`,
    {
      progType: 'cgroup_skb',
      section: 'cgroup_skb/ingress',
      funcs: [
        { name: 'prog', start: 0 },
        { name: 'foo', start: 4, global: true },
      ],
    },
  );
  prog.funcs[1]!.memArgs = [{ reg: 1, size: 40 }]; // int (*arr)[10]
  const r = analyzeProgram(mkObj(prog), prog);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(
    r.value.subprogs.map((s) => s.stackDepth),
    [40, 0],
  );
});

test('a variable-offset stack access grows the frame to its lowest possible byte (verifier_var_off)', () => {
  // r2 in [0, 8] - 16 + r10: the write may land at r10-16 .. r10-8; the frame is 16 bytes.
  const write = analyze(`
    r2 = *(u32 *)(r1 + 112)
    r2 &= 8
    r2 -= 16
    r2 += r10
    r0 = 0
    *(u64 *)(r2 + 0) = r0
    exit`);
  assert.equal(write.subprogs[0]!.stackDepth, 16);
  // A map key at r10 + [-16, -12]: the helper reads 8 bytes from -16 upwards.
  const key = analyze(
    `
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = *(u32 *)(r1 + 112)
    r2 &= 4
    r2 -= 16
    r2 += r10
    r1 = map[#0] ll
    call bpf_map_lookup_elem
    r0 = 0
    exit`,
    {},
    [{ ...arrayMap(0), type: MapType.HASH, keySize: 8 }],
  );
  assert.equal(key.subprogs[0]!.stackDepth, 16);
  // A constant plus r10 is a fixed stack pointer.
  assert.equal(analyze('r2 = -24\nr2 += r10\nr0 = 0\n*(u8 *)(r2 + 0) = r0\nexit').subprogs[0]!.stackDepth, 24);
});

test('a static callee writing through a buffer pointer grows the frame of every caller that passes one', () => {
  // fill is entered with r10-48 of `a` and r10-16 of `b`: the verifier explores both calls.
  const img = analyze(
    `
    call a
    call b
    r0 = 0
    exit
    a:
    r1 = r10
    r1 += -48
    call fill
    r0 = 0
    exit
    b:
    r1 = r10
    r1 += -16
    call fill
    r0 = 0
    exit
    fill:
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit`,
    funcs(['prog', 0], ['a', 4], ['b', 9], ['fill', 14]),
  );
  assert.deepEqual(
    img.subprogs.map((s) => s.stackDepth),
    [0, 48, 16, 0],
  );
});
