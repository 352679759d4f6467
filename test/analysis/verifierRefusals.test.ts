// Programs the kernel's verifier refuses during symbolic execution (do_check), each with the
// kernel's words, the instruction index and its source line: out-of-range immediate shifts
// (issue 19), division by an immediate zero, unknown helper ids, reads of registers that
// hold no value, prog_array/helper mismatches and loops that cannot end (issue 14).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram, AnCode } from '../../src/analysis/index.ts';
import { insn } from '../../src/bpf/insn.ts';
import { formatDiag } from '../../src/common/diag.ts';
import type { MapDef } from '../../src/object/types.ts';
import { arrayMap, jmpTable, mkObj, mkProg, type ProgSpec } from './progs.ts';

const lines = Array.from({ length: 20 }, (_, i) => i);

function analyze(text: string | ReturnType<typeof insn>[], spec: ProgSpec = {}, maps: MapDef[] = []) {
  const prog = mkProg(text, { lines, ...spec });
  return analyzeProgram(mkObj(prog, maps), prog);
}
function reject(text: string | ReturnType<typeof insn>[], spec: ProgSpec = {}, maps: MapDef[] = []) {
  const r = analyze(text, spec, maps);
  assert.equal(r.ok, false, 'program must be rejected');
  return (r as { ok: false; error: { code: string; message: string; place: { insn?: number; line?: number } } }).error;
}
function accept(text: string, spec: ProgSpec = {}, maps: MapDef[] = []): void {
  const r = analyze(text, spec, maps);
  assert.equal(r.ok, true, r.ok ? '' : r.error.message);
}

test('an immediate shift amount at or above the operand width is refused with "invalid shift N"', () => {
  for (const [text, amount] of [
    ['r1 <<= 68', 68],
    ['r1 >>= 64', 64],
    ['r1 s>>= 100', 100],
    ['w1 <<= 32', 32],
    ['w1 >>= 40', 40],
    ['w1 s>>= 33', 33],
  ] as const) {
    const e = reject(`r0 = 0\nr1 = 5\n${text}\nexit`);
    assert.equal(e.code, AnCode.invalidShift, text);
    assert.equal(e.message, `invalid shift ${amount}`, text);
    assert.equal(e.place.insn, 2, text);
    assert.equal(e.place.line, 102, text);
  }
});

test('a negative immediate shift amount is refused, for lsh, rsh and arsh of both widths', () => {
  for (const text of ['r1 <<= -4', 'r1 >>= -1', 'r1 s>>= -4', 'w1 <<= -4', 'w1 >>= -32', 'w1 s>>= -1']) {
    const e = reject(`r0 = 0\nr1 = 5\n${text}\nexit`);
    assert.match(e.message, /^invalid shift -\d+$/, text);
    assert.equal(e.place.insn, 2, text);
  }
});

test('shift amounts inside the operand width load, as do register shifts of any value', () => {
  accept('r0 = 0\nr1 = 5\nr1 <<= 63\nr1 s>>= 0\nw1 >>= 31\nexit');
  accept('r0 = 0\nr1 = 5\nr2 = 70\nr1 <<= r2\nexit');
});

test('a shift in code symbolic execution never reaches is not refused, as do_check never visits it', () => {
  accept('r0 = 0\nif r0 == 0 goto +1\nr1 <<= 68\nexit');
});

test('division and modulo by an immediate zero are refused with "div by zero"', () => {
  for (const text of ['r0 /= 0', 'w0 /= 0', 'r0 %= 0', 'w0 %= 0']) {
    const e = reject(`r0 = 7\n${text}\nexit`);
    assert.equal(e.code, AnCode.divByZero, text);
    assert.equal(e.message, 'div by zero');
    assert.equal(e.place.insn, 1);
    assert.equal(e.place.line, 101);
  }
  // A register divisor is the JIT's business (x/0 = 0 at run time), not the verifier's.
  accept('r0 = 7\nr1 = 0\nr0 /= r1\nexit');
});

test('a helper id outside enum bpf_func_id is refused as "invalid func unknown#N"', () => {
  const e = reject([insn(0xb7), insn(0x85, 0, 0, 0, 999), insn(0x95)]);
  assert.equal(e.code, AnCode.invalidFunc);
  assert.equal(e.message, 'invalid func unknown#999');
  assert.equal(e.place.insn, 1);
  assert.equal(reject([insn(0x85, 0, 0, 0, -3), insn(0x95)]).message, 'invalid func unknown#-3');
  assert.equal(reject([insn(0x85, 0, 0, 0, 212), insn(0x95)]).message, 'invalid func unknown#212');
  const old = analyzeProgram(mkObj(mkProg([insn(0x85, 0, 0, 0, 210), insn(0x95)])), mkProg([insn(0x85, 0, 0, 0, 210), insn(0x95)]), { kernel: '6.1' });
  assert.equal(!old.ok && old.error.message, 'invalid func unknown#210');
});

test('reading a register nothing wrote is refused with "R<n> !read_ok"', () => {
  const e = reject('r0 = 0\nr0 += r2\nexit');
  assert.equal(e.code, AnCode.regNotInit);
  assert.equal(e.message, 'R2 !read_ok');
  assert.equal(e.place.insn, 1);
  assert.equal(e.place.line, 101);
  // After a helper call R1-R5 hold nothing (caller-saved).
  assert.equal(reject('call 7\nr0 = r1\nexit').message, 'R1 !read_ok');
  // On a path every run takes, whichever branch came before.
  assert.equal(reject('r0 = *(u32 *)(r1 + 0)\nif r0 == 1 goto +1\nr0 = 1\nr0 = r3\nexit').message, 'R3 !read_ok');
  assert.equal(reject('r0 = 0\n*(u64 *)(r10 - 8) = r4\nexit').message, 'R4 !read_ok');
});

test('exit without a value in r0 is refused with "R0 !read_ok" at the exit', () => {
  const e = reject('r1 = 0\nexit');
  assert.equal(e.message, 'R0 !read_ok');
  assert.equal(e.place.insn, 1);
  // A static subprog's missing r0 reaches the caller that reads it.
  const e2 = reject('call sub\nexit\nsub: r1 = 0\nexit', {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 2 },
    ],
  });
  assert.equal(e2.message, 'R0 !read_ok');
  assert.equal(e2.place.insn, 1);
  accept('call sub\nexit\nsub: r0 = 1\nexit', {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 2 },
    ],
  });
});

test('bpf_tail_call on a plain array is refused, naming the map type and helper', () => {
  const e = reject('r2 = map[#0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit', {}, [arrayMap(0)]);
  assert.equal(e.code, AnCode.mapFuncIncompatible);
  assert.equal(e.message, 'cannot pass map_type 2 into func bpf_tail_call#12');
  assert.equal(e.place.insn, 3);
  // ... and a prog_array passed to a map helper.
  const e2 = reject('r1 = map[#0] ll\nr2 = r10\nr2 += -4\nr3 = 0\n*(u32 *)(r10 - 4) = r3\ncall 1\nr0 = 0\nexit', {}, [jmpTable(0)]);
  assert.equal(e2.message, 'cannot pass map_type 3 into func bpf_map_lookup_elem#1');
  accept('r2 = map[#0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit', {}, [jmpTable(0)]);
});

test('a loop with no way out whose state repeats is refused as an infinite loop at its head', () => {
  // while (1) counter++; on a global: reload, add, store, jump back.
  const e = reject('r0 = 0\nr1 = map[#0] ll\nr2 = *(u32 *)(r1 + 0)\nr2 += 1\n*(u32 *)(r1 + 0) = r2\ngoto -4', {}, [arrayMap(0)]);
  assert.equal(e.code, AnCode.infiniteLoop);
  assert.equal(e.message, 'infinite loop detected at insn 3');
  assert.equal(e.place.insn, 3);
  assert.equal(e.place.line, 103);
});

test('a loop with no way out and a changing counter exhausts the 1M-insn budget', () => {
  const e = reject('r0 = 0\nr6 = 0\nr6 += 1\ngoto -2');
  assert.equal(e.code, AnCode.tooComplex);
  assert.equal(e.message, 'BPF program is too large. Processed 1000001 insn');
  assert.equal(e.place.insn, 2);
  // A counter kept on the stack changes the state too.
  const e2 = reject('r0 = 0\n*(u64 *)(r10 - 8) = r0\nr1 = *(u64 *)(r10 - 8)\nr1 += 1\n*(u64 *)(r10 - 8) = r1\ngoto -4');
  assert.equal(e2.code, AnCode.tooComplex);
});

test('bounded loops with an exit still load', () => {
  accept('r0 = 0\nr6 = 0\nr6 += 1\nif r6 < 10 goto -2\nexit');
});

test('refusals print as one line with place, index and source line', () => {
  const e = reject('r0 = 0\nr1 = 5\nr1 <<= 68\nexit');
  assert.match(formatDiag(e as never), /^test\.o: tc\/prog insn 2 \(prog\.c:102\): invalid shift 68$/);
});
