import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from '../../src/bpf/asm.ts';
import { Interpreter, interpret } from '../../src/bpf/interpreter.ts';
import { MAX_CALL_FRAMES } from '../../src/common/kernelLimits.ts';
import { DATA, STACK_TOP, prog, testEnv } from './testEnv.ts';

const U64 = (n: bigint) => BigInt.asUintN(64, n);

function run(text: string, args: bigint[] = []) {
  const env = testEnv();
  const r = interpret(env, prog(asm(text)), args);
  assert.equal(r.error, undefined, r.error?.message);
  return r.r0;
}

test('ALU64 ops compute on 64 bits with the immediate sign-extended', () => {
  assert.equal(run('r0 = -1\nexit'), U64(-1n));
  assert.equal(run('r0 = 5\nr0 += -7\nexit'), U64(-2n));
  assert.equal(run('r0 = 3\nr1 = 7\nr0 -= r1\nexit'), U64(-4n));
  assert.equal(run('r0 = 0x10000 ll\nr0 *= 0x10000\nr0 *= 0x10000\nexit'), 0x1000000000000n);
  assert.equal(run('r0 = 100\nr0 /= 7\nexit'), 14n);
  assert.equal(run('r0 = 100\nr0 %= 7\nexit'), 2n);
  assert.equal(run('r0 = 0xf0\nr0 |= 0xf\nr0 &= 0x3c\nr0 ^= 0xff\nexit'), 0xc3n);
  assert.equal(run('r0 = -16\nr0 s>>= 2\nexit'), U64(-4n));
  assert.equal(run('r0 = -16\nr0 >>= 60\nexit'), 0xfn);
  assert.equal(run('r0 = 1\nr0 <<= 63\nexit'), 1n << 63n);
  assert.equal(run('r0 = 5\nr0 = -r0\nexit'), U64(-5n));
  // DIV64 by an immediate treats the sign-extended imm as unsigned.
  assert.equal(run('r0 = -1\nr0 /= -1\nexit'), 1n);
});

test('ALU32 ops zero-extend their result into the 64-bit register', () => {
  assert.equal(run('r0 = -1\nw0 += 0\nexit'), 0xffffffffn);
  assert.equal(run('r0 = -1\nw0 = w0\nexit'), 0xffffffffn);
  assert.equal(run('w0 = -1\nexit'), 0xffffffffn);
  assert.equal(run('w0 = 5\nw0 = -w0\nexit'), 0xfffffffbn);
  assert.equal(run('w0 = -8\nw0 s>>= 1\nexit'), 0xfffffffcn);
  assert.equal(run('r0 = 0x100000000 ll\nr0 += 3\nw0 *= 2\nexit'), 6n);
});

test('division and modulo by zero follow the kernel fixups', () => {
  assert.equal(run('r0 = 9\nr1 = 0\nr0 /= r1\nexit'), 0n);
  assert.equal(run('r0 = -1\nr1 = 0\nr0 %= r1\nexit'), U64(-1n));
  assert.equal(run('r0 = -1\nr1 = 0\nw0 %= w1\nexit'), 0xffffffffn); // upper half cleared
  assert.equal(run('r0 = 9\nr1 = 0\nr0 s/= r1\nexit'), 0n);
  assert.equal(run('r0 = 9\nr1 = 0\nr0 s%= r1\nexit'), 9n);
});

test('signed division: truncation, INT_MIN / -1 = INT_MIN, x s% -1 = 0', () => {
  assert.equal(run('r0 = -13\nr0 s/= 3\nexit'), U64(-4n));
  assert.equal(run('r0 = -13\nr0 s%= 3\nexit'), U64(-1n));
  assert.equal(run('r0 = 0x8000000000000000 ll\nr1 = -1\nr0 s/= r1\nexit'), 1n << 63n);
  assert.equal(run('r0 = 0x8000000000000000 ll\nr0 s%= -1\nexit'), 0n);
  assert.equal(run('w0 = 0x80000000\nw1 = -1\nw0 s/= w1\nexit'), 0x80000000n);
  assert.equal(run('w0 = -7\nw0 s%= 2\nexit'), 0xffffffffn);
});

test('shift counts are masked to 63 (ALU64) and 31 (ALU)', () => {
  assert.equal(run('r0 = 1\nr0 <<= 65\nexit'), 2n);
  assert.equal(run('r0 = 1\nr1 = 66\nr0 <<= r1\nexit'), 4n);
  assert.equal(run('w0 = 1\nw0 <<= 33\nexit'), 2n);
  assert.equal(run('w0 = 0x80000000\nr1 = 63\nw0 >>= w1\nexit'), 1n);
});

test('MOVSX sign-extends 8/16/32 bits; the 32-bit form zero-extends the result', () => {
  assert.equal(run('r1 = 0x80\nr0 = (s8)r1\nexit'), U64(-128n));
  assert.equal(run('r1 = 0x8000\nw0 = (s16)w1\nexit'), 0xffff8000n);
  assert.equal(run('r1 = 0xffffffff ll\nr0 = (s32)r1\nexit'), U64(-1n));
});

test('byte swaps: be swaps, le truncates, bswap is unconditional', () => {
  assert.equal(run('r0 = 0x11223344 ll\nr0 = be16 r0\nexit'), 0x4433n);
  assert.equal(run('r0 = 0x1122334455667788 ll\nr0 = le32 r0\nexit'), 0x55667788n);
  assert.equal(run('r0 = 0x1122334455667788 ll\nr0 = le64 r0\nexit'), 0x1122334455667788n);
  assert.equal(run('r0 = 0x1122334455667788 ll\nr0 = be64 r0\nexit'), 0x8877665544332211n);
  assert.equal(run('r0 = 0x1122334455667788 ll\nr0 = bswap32 r0\nexit'), 0x88776655n);
});

test('conditional jumps: unsigned, signed, JSET, and JMP32 on the low halves', () => {
  const cond = (c: string) => run(`r0 = 0\n${c}\nexit\nr0 = 1\nexit`.replace('GOTO', 'goto +1'));
  assert.equal(cond('r1 = -1\nif r1 > 5 GOTO'), 1n);
  assert.equal(cond('r1 = -1\nif r1 s> 5 GOTO'), 0n);
  assert.equal(cond('r1 = -1\nif r1 s< 0 GOTO'), 1n);
  assert.equal(cond('r1 = 6\nif r1 & 1 GOTO'), 0n);
  assert.equal(cond('r1 = 6\nr2 = 2\nif r1 & r2 GOTO'), 1n);
  assert.equal(cond('r1 = 0x100000005 ll\nif w1 == 5 GOTO'), 1n);
  assert.equal(cond('r1 = 0x100000005 ll\nif r1 == 5 GOTO'), 0n);
  assert.equal(cond('w1 = -1\nif w1 s< 0 GOTO'), 1n);
  assert.equal(cond('r1 = -1\nif r1 == -1 GOTO'), 1n);
  assert.equal(cond('r1 = 0xffffffff ll\nif r1 == -1 GOTO'), 0n);
  assert.equal(run('r0 = 1\ngotol +1\nr0 = 2\nexit'), 1n);
});

test('loads zero- or sign-extend; stores truncate; ST DW sign-extends its immediate', () => {
  assert.equal(run('r1 = -2\n*(u64 *)(r10 - 8) = r1\nr0 = *(u16 *)(r10 - 8)\nexit'), 0xfffen);
  assert.equal(run('r1 = -2\n*(u64 *)(r10 - 8) = r1\nr0 = *(s16 *)(r10 - 8)\nexit'), U64(-2n));
  assert.equal(run('r1 = 0x1ff\n*(u8 *)(r10 - 1) = r1\nr0 = *(u8 *)(r10 - 1)\nexit'), 0xffn);
  assert.equal(run('*(u64 *)(r10 - 8) = -1\nr0 = *(u64 *)(r10 - 8)\nexit'), U64(-1n));
  assert.equal(run('*(u32 *)(r10 - 8) = -1\n*(u32 *)(r10 - 4) = 0\nr0 = *(u64 *)(r10 - 8)\nexit'), 0xffffffffn);
  assert.equal(run('r1 = 0x80000000 ll\n*(u32 *)(r10 - 4) = r1\nr0 = *(s32 *)(r10 - 4)\nexit'), U64(-0x80000000n));
});

test('atomics: add/or/and/xor with and without fetch, xchg, cmpxchg', () => {
  const pre = '*(u64 *)(r10 - 8) = 12\nr1 = r10\nr1 += -8\n';
  assert.equal(run(pre + 'r2 = 5\nlock *(u64 *)(r1 + 0) += r2\nr0 = *(u64 *)(r1 + 0)\nexit'), 17n);
  assert.equal(run(pre + 'r2 = 5\nr2 = atomic_fetch_add((u64 *)(r1 + 0), r2)\nr0 = r2\nexit'), 12n);
  assert.equal(run(pre + 'r2 = 3\nr2 = atomic_fetch_or((u64 *)(r1 + 0), r2)\nr0 = *(u64 *)(r1 + 0)\nexit'), 15n);
  assert.equal(run(pre + 'r2 = 6\nlock *(u64 *)(r1 + 0) &= r2\nr0 = *(u64 *)(r1 + 0)\nexit'), 4n);
  assert.equal(run(pre + 'r2 = 6\nlock *(u64 *)(r1 + 0) ^= r2\nr0 = *(u64 *)(r1 + 0)\nexit'), 10n);
  assert.equal(run(pre + 'r2 = 99\nr2 = xchg_64(r1 + 0, r2)\nr0 = *(u64 *)(r1 + 0)\nr0 += r2\nexit'), 111n);
  // cmpxchg: R0 gets the old value whether or not the store happened.
  assert.equal(run(pre + 'r0 = 12\nr2 = 7\nr0 = cmpxchg_64(r1 + 0, r0, r2)\nr3 = *(u64 *)(r1 + 0)\nr0 <<= 8\nr0 |= r3\nexit'), (12n << 8n) | 7n);
  assert.equal(run(pre + 'r0 = 11\nr2 = 7\nr0 = cmpxchg_64(r1 + 0, r0, r2)\nr3 = *(u64 *)(r1 + 0)\nr0 <<= 8\nr0 |= r3\nexit'), (12n << 8n) | 12n);
  // 32-bit: fetched values are zero-extended; the upper word is untouched.
  const pre32 = '*(u64 *)(r10 - 8) = -1\nr1 = r10\nr1 += -8\n';
  assert.equal(run(pre32 + 'r2 = 1\nw2 = atomic_fetch_add((u32 *)(r1 + 0), w2)\nr0 = r2\nexit'), 0xffffffffn);
  assert.equal(run(pre32 + 'r2 = 1\nlock *(u32 *)(r1 + 0) += w2\nr0 = *(u64 *)(r1 + 0)\nexit'), 0xffffffff00000000n);
  assert.equal(run(pre32 + 'r0 = -1\nr2 = 0\nw0 = cmpxchg32_32(r1 + 0, w0, w2)\nexit'), 0xffffffffn);
});

test('LD_IMM64 gives the 64-bit constant and pseudo map values resolve through the env', () => {
  assert.equal(run('r0 = -2 ll\nexit'), U64(-2n));
  assert.equal(run('r0 = map[#1][0]+8 ll\nexit'), DATA + 0x100n + 8n);
  assert.equal(run('r0 = map[#2] ll\nexit'), DATA + 0x800n + 0x400n);
});

test('bpf2bpf calls get their own 512-byte frame and keep the caller r6-r9', () => {
  const r = run(`
    r6 = 7
    *(u64 *)(r10 - 8) = 100
    r1 = 5
    call sub
    r1 = *(u64 *)(r10 - 8)
    r0 += r1
    r0 += r6
    exit
  sub:
    r6 = 1000
    *(u64 *)(r10 - 8) = 1000
    r0 = r1
    r0 *= 2
    exit`);
  assert.equal(r, 10n + 100n + 7n);
});

test('a call chain deeper than 8 frames is an error naming the call insn', () => {
  const text = Array.from({ length: MAX_CALL_FRAMES }, (_, k) => `f${k}:\ncall f${k + 1}\nexit`).join('\n') + `\nf${MAX_CALL_FRAMES}:\nr0 = 0\nexit`;
  const r = interpret(testEnv(), prog(asm(text)));
  assert.equal(r.error?.code, 'interp.call-depth');
  assert.equal(r.error?.place.insn, 2 * (MAX_CALL_FRAMES - 1));
  assert.match(r.error!.message, /at insn 14$/);
});

test('an out-of-bounds access is a fault naming the instruction and address', () => {
  const r = interpret(testEnv(), prog(asm('r1 = 0\nr0 = *(u32 *)(r1 + 16)\nexit')));
  assert.equal(r.error?.code, 'interp.mem-fault');
  assert.equal(r.error?.place.insn, 1);
  assert.match(r.error!.message, /4 bytes at 0x10 at insn 1/);
});

test('an infinite loop stops at the instruction budget with an error naming the insn', () => {
  const r = interpret(testEnv(), prog(asm('r0 = 0\nloop:\nr0 += 1\ngoto loop')), [], { budget: 1000 });
  assert.equal(r.error?.code, 'interp.budget');
  assert.equal(r.insns, 1000);
  assert.match(r.error!.message, /budget of 1000 .* at insn [12]$/);
});

test('may_goto falls through until its counter runs out, then jumps', () => {
  const r = interpret(testEnv(), prog(asm('r0 = 0\nloop:\nmay_goto out\nr0 += 1\ngoto loop\nout:\nexit')), [], { budget: 30_000_000 });
  assert.equal(r.r0, BigInt(1 << 23));
});

test('step() executes one instruction at a time and exposes pc, registers and frames', () => {
  const it = new Interpreter(testEnv());
  it.start(prog(asm('r0 = 1\ncall f\nexit\nf:\nr0 += 1\nexit')), [0x42n]);
  assert.equal(it.regs[1], 0x42n);
  assert.equal(it.regs[10], STACK_TOP);
  it.step();
  assert.equal(it.pc, 1);
  assert.equal(it.regs[0], 1n);
  it.step();
  assert.equal(it.pc, 3);
  assert.equal(it.state().frames.length, 2);
  assert.equal(it.regs[10], STACK_TOP - 512n);
  it.step();
  it.step();
  assert.equal(it.pc, 2);
  assert.equal(it.state().frames.length, 1);
  it.step();
  assert.equal(it.done, true);
  assert.equal(it.result().r0, 2n);
  assert.equal(it.result().insns, 5);
});

test('helpers get r1-r5 and can call back into BPF functions (bpf_loop style)', () => {
  const env = testEnv();
  env.helpers.set(181, (args, caller) => {
    let n = 0n;
    for (let i = 0n; i < args[0]!; i++)
      if (caller.callFunction(args[1]!, [i, args[2]!]) !== 0n) return i + 1n;
      else n = i + 1n;
    return n;
  });
  const r = interpret(
    env,
    prog(
      asm(`
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    r1 = 10
    r2 = func[cb] ll
    r3 = r10
    r3 += -8
    call 181
    r1 = *(u64 *)(r10 - 8)
    r0 <<= 16
    r0 |= r1
    exit
  cb:
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    if r1 != 4 goto +1
    r0 = 1
    exit`),
    ),
  );
  assert.equal(r.error, undefined);
  assert.equal(r.r0, (5n << 16n) | (0n + 1n + 2n + 3n + 4n));
});

test('LD_ABS/LD_IND read big-endian through the env and return 0 from the function when out of bounds', () => {
  const env = testEnv();
  const pkt = [0x12, 0x34, 0x56, 0x78];
  env.ldAbs = (_ctx, off, size) => (off + size <= pkt.length ? BigInt(pkt.slice(off, off + size).reduce((a, b) => a * 256 + b, 0)) : undefined);
  assert.equal(interpret(env, prog(asm('r0 = *(u16 *)skb[1]\nexit'))).r0, 0x3456n);
  assert.equal(interpret(env, prog(asm('r3 = 2\nr0 = *(u8 *)skb[r3 + 1]\nexit'))).r0, 0x78n);
  assert.equal(interpret(env, prog(asm('r0 = 9\ncall f\nr0 += 100\nexit\nf:\nr0 = *(u32 *)skb[1]\nr0 = 5\nexit'))).r0, 100n);
});

test('an undefined opcode is an error naming it and its insn, not a crash', () => {
  for (const code of [0xe7, 0xf4, 0xe6, 0x8f]) {
    const r = interpret(
      testEnv(),
      prog([
        { code, dst: 0, src: 0, off: 0, imm: 0 },
        { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
      ]),
    );
    assert.equal(r.error?.code, 'interp.bad-insn', code.toString(16));
    assert.equal(r.error?.place.insn, 0);
  }
});
