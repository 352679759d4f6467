// The xlated stream: ctx-access rewrites, LD_ABS expansion, div/mod guards, array, percpu
// array and bpf_get_smp_processor_id inlining and dead-code removal produce the kernel's
// instructions, with jump offsets, origInsn and source lines kept right through insertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_REG_AX } from '../../src/bpf/registers.ts';
import { analyzeProgram, INTERNAL_HELPER, DEFAULT_KERNEL_LAYOUT as L, offOf } from '../../src/analysis/index.ts';
import { asm } from '../../src/bpf/asm.ts';
import type { Insn } from '../../src/bpf/insn.ts';
import { analyzeOk as analyze, arrayMap, mkObj, mkProg } from './progs.ts';
import { MapType, type MapDef } from '../../src/object/types.ts';
import { BPF_ADDR_PERCPU, BPF_ALU64, BPF_CALL, BPF_JMP, BPF_K, BPF_MOV, BPF_X } from '../../src/bpf/opcodes.ts';
import { CPU_NUMBER_ADDR } from '../../src/common/layout.ts';
import { analysisOptionsFor } from '../../src/jit/profiles.ts';
import { RV_UPSTREAM } from '../../src/jit/riscv64/profiles.ts';

const same = (got: Insn[], text: string): void => assert.deepEqual(got, asm(text));

test('__sk_buff loads become struct sk_buff loads at the 6.18 offsets', () => {
  const img = analyze(`
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 76)
    r4 = *(u32 *)(r1 + 80)
    r5 = *(u32 *)(r1 + 8)
    r0 = 0
    exit`);
  same(
    img.insns.slice(0, 4),
    `
    r2 = *(u32 *)(r1 + ${offOf(L, 'sk_buff.len')})
    r3 = *(u64 *)(r1 + ${offOf(L, 'sk_buff.data')})
    r4 = *(u64 *)(r1 + 80)
    r5 = *(u32 *)(r1 + ${offOf(L, 'sk_buff.mark')})`,
  );
  assert.equal(offOf(L, 'sk_buff.len'), 112);
  assert.equal(offOf(L, 'sk_buff.data'), 0xc8, 'struct sk_buff.data of the 6.18.44 BTF');
});

test('a narrow read of a __sk_buff field loads the whole field, then shifts and masks', () => {
  const img = analyze('r0 = *(u16 *)(r1 + 2)\nexit');
  same(
    img.insns,
    `
    r0 = *(u32 *)(r1 + 112)
    w0 >>= 16
    w0 &= 65535
    exit`,
  );
  assert.deepEqual(img.origInsn, [0, 0, 0, 1]);
});

test('ctx stores keep their ST/STX form; cb[] maps into qdisc_skb_cb data', () => {
  const img = analyze(`
    r2 = 7
    *(u32 *)(r1 + 8) = r2
    *(u32 *)(r1 + 52) = 9
    r0 = 0
    exit`);
  same(
    img.insns.slice(1, 3),
    `
    *(u32 *)(r1 + 164) = r2
    *(u32 *)(r1 + 52) = 9`,
  );
});

test('ctx tracking follows copies of r1 into other registers and subprogs', () => {
  const img = analyze(
    `
    r6 = r1
    call sub
    r0 = *(u32 *)(r6 + 0)
    exit
    sub: r0 = *(u32 *)(r1 + 0)
    exit`,
    {
      funcs: [
        { name: 'prog', start: 0 },
        { name: 'sub', start: 4 },
      ],
    },
  );
  assert.equal(img.insns[2]!.off, 112);
  assert.equal(img.insns[4]!.off, 112);
});

test('xdp_md accesses become xdp_buff loads, ingress_ifindex through rxq->dev', () => {
  const img = analyze(
    `
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = *(u32 *)(r1 + 12)
    r0 = 2
    exit`,
    { progType: 'xdp', section: 'xdp' },
  );
  assert.deepEqual(
    img.insns.slice(0, 5).map((i) => [i.code, i.dst, i.src, i.off]),
    [
      [0x79, 2, 1, offOf(L, 'xdp_buff.data')],
      [0x79, 3, 1, offOf(L, 'xdp_buff.data_end')],
      [0x79, 4, 1, offOf(L, 'xdp_buff.rxq')],
      [0x79, 4, 4, 0],
      [0x61, 4, 4, offOf(L, 'net_device.ifindex')],
    ],
  );
});

test('LD_ABS expands to the bpf_gen_ld_abs sequence', () => {
  const img = analyze('r6 = r1\nr0 = *(u16 *)skb[12]\nexit');
  assert.deepEqual(img.insns.slice(1, 7), [
    { code: 0xb7, dst: 2, src: 0, off: 0, imm: 12 },
    { code: 0xbf, dst: 1, src: 6, off: 0, imm: 0 },
    { code: 0x85, dst: 0, src: 0, off: 0, imm: INTERNAL_HELPER.bpf_skb_load_helper_16_no_cache },
    { code: 0x75, dst: 0, src: 0, off: 2, imm: 0 },
    { code: 0xac, dst: 0, src: 0, off: 0, imm: 0 },
    { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ]);
  assert.equal(img.subprogs[0]!.hasLdAbs, true);
});

test('LD_IND adds its immediate to the index register copy', () => {
  const img = analyze('r6 = r1\nr7 = 3\nr0 = *(u8 *)skb[r7 + 4]\nexit');
  same(img.insns.slice(2, 4), 'r2 = r7\nr2 += 4');
});

test('unsigned div/mod by a register get the divide-by-zero guards', () => {
  same(
    analyze('r0 = 5\nr1 = 0\nr0 /= r1\nexit').insns.slice(2),
    `
    if r1 != 0 goto +2
    w0 ^= w0
    goto +1
    r0 /= r1
    exit`,
  );
  same(
    analyze('r0 = 5\nr1 = 0\nw0 %= w1\nexit').insns.slice(2),
    `
    if w1 == 0 goto +2
    w0 %= w1
    goto +1
    w0 = w0
    exit`,
  );
  same(
    analyze('r0 = 5\nr1 = 0\nr0 %= r1\nexit').insns.slice(2),
    `
    if r1 == 0 goto +1
    r0 %= r1
    exit`,
  );
});

test('signed div/mod by a register handle -1 and 0 with BPF_REG_AX', () => {
  assert.equal(BPF_REG_AX, 11);
  same(
    analyze('r0 = 5\nr1 = -1\nr0 s/= r1\nexit').insns.slice(2),
    `
    r11 = r1
    r11 += 1
    if r11 > 1 goto +4
    if r11 == 0 goto +1
    r0 = 0
    r0 = -r0
    goto +1
    r0 s/= r1
    exit`,
  );
  same(
    analyze('r0 = 5\nr1 = -1\nw0 s%= w1\nexit').insns.slice(2),
    `
    r11 = r1
    w11 += 1
    if w11 > 1 goto +3
    if w11 == 1 goto +4
    w0 = 0
    goto +1
    w0 s%= w1
    goto +1
    w0 = w0
    exit`,
  );
});

test('signed div/mod by immediate -1 become neg and zero', () => {
  same(analyze('r0 = 5\nr0 s/= -1\nw0 s%= -1\nexit').insns, 'r0 = 5\nr0 = -r0\nw0 = 0\nexit');
});

test('jumps across an insertion are re-targeted and jumps to it land on its first insn', () => {
  const img = analyze(
    `
    call 7
    r2 = r0
    r0 = 5
    r1 = 2
    if r2 == 0 goto D
    r0 += 1
    D: r0 /= r1
    if r0 > 3 goto D
    exit`,
    { lines: [0, 4, 6, 7, 8] },
  );
  same(
    img.insns,
    `
    call 7
    r2 = r0
    r0 = 5
    r1 = 2
    if r2 == 0 goto +1
    r0 += 1
    if r1 != 0 goto +2
    w0 ^= w0
    goto +1
    r0 /= r1
    if r0 > 3 goto -5
    exit`,
  );
  assert.deepEqual(img.origInsn, [0, 1, 2, 3, 4, 5, 6, 6, 6, 6, 7, 8]);
  // Line records after the patched insn move by 3; inserted insns share its line.
  assert.deepEqual(
    [6, 7, 8, 9, 10, 11].map((i) => img.sourceOf(i as never)?.line),
    [106, 106, 106, 106, 107, 108],
  );
  assert.equal(img.sourceOf(5 as never)?.line, 104);
});

test('branches the verifier never takes are hard-wired and the dead code removed', () => {
  const img = analyze(
    `
    r1 = 0
    if r1 != 0 goto +2
    r0 = 1
    exit
    r0 = 2
    exit`,
    { lines: [0, 1, 2, 3, 4, 5] },
  );
  same(img.insns, 'r1 = 0\nr0 = 1\nexit');
  assert.deepEqual(img.origInsn, [0, 2, 3]);
  assert.equal(img.sourceOf(1 as never)?.line, 102);
});

test('loads from .rodata are constants, so branches on them are resolved', () => {
  const prog = mkProg('r1 = map[#0][0]+0 ll\nr1 = *(u32 *)(r1 + 0)\nif r1 == 0 goto +1\nr0 = 1\nr0 = 0\nexit');
  const rodata: MapDef = { ...arrayMap(0, 4), name: '.rodata', kind: 'rodata', initialValue: new Uint8Array(4) };
  const r = analyzeProgram(mkObj(prog, [rodata]), prog);
  assert.ok(r.ok);
  same(r.value.insns, 'r1 = map[#0][0]+0 ll\nr1 = *(u32 *)(r1 + 0)\nr0 = 0\nexit');
});

test('array map lookups are inlined (privileged form: no index masking)', () => {
  const img = analyze(
    `
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[#0] ll
    call bpf_map_lookup_elem
    r0 = 0
    exit`,
    {},
    [arrayMap(0, 20, 3)],
  );
  same(
    img.insns.slice(6, 13),
    `
    r1 += 312
    r0 = *(u32 *)(r2 + 0)
    if r0 >= 3 goto +3
    r0 *= 24
    r0 += r1
    goto +1
    r0 = 0`,
  );
  assert.equal(img.subprogs[0]!.stackDepth, 8);
});

const percpuMov = (d: number, s: number): Insn => ({ code: BPF_ALU64 | BPF_MOV | BPF_X, dst: d, src: s, off: BPF_ADDR_PERCPU, imm: 0 });
const LOOKUP = `
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[#0] ll
    call bpf_map_lookup_elem
    r0 = 0
    exit`;

test("percpu array lookups are inlined: pptrs[index] made this CPU's by the per-CPU MOV (6.10+)", () => {
  const pcpu: MapDef = { ...arrayMap(0, 20, 3), type: MapType.PERCPU_ARRAY };
  const img = analyze(LOOKUP, {}, [pcpu]);
  assert.deepEqual(img.insns.slice(6, 15), [
    ...asm(`
    r1 += 312
    r0 = *(u32 *)(r2 + 0)
    if r0 >= 3 goto +5
    r0 <<= 3
    r0 += r1
    r0 = *(u64 *)(r0 + 0)`),
    percpuMov(0, 0),
    ...asm(`
    goto +1
    r0 = 0`),
  ]);
  // 6.1 had no per-CPU insn: the helper stays.
  const prog = mkProg(LOOKUP);
  const old = analyzeProgram(mkObj(prog, [pcpu]), prog, { kernel: '6.1' });
  assert.ok(old.ok);
  assert.deepEqual(old.value.insns.slice(6, 7), asm('call bpf_map_lookup_elem'));
});

test("percpu hash lookups are inlined: the element's per-CPU pointer made this CPU's (6.10+)", () => {
  const img = analyze(LOOKUP, {}, [{ ...arrayMap(0, 20, 3), type: MapType.PERCPU_HASH, keySize: 4 }]);
  assert.deepEqual(img.insns.slice(6, 11), [
    { code: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: INTERNAL_HELPER.__htab_map_lookup_elem },
    ...asm(`
    if r0 == 0 goto +3
    r0 += 56
    r0 = *(u64 *)(r0 + 0)`),
    percpuMov(0, 0),
  ]);
});

test("bpf_get_smp_processor_id reads this CPU's cpu_number on x86-64, and stays a call where the JIT inlines it", () => {
  const text = `
    call bpf_get_smp_processor_id
    exit`;
  const img = analyze(text);
  assert.deepEqual(img.insns, [
    { code: BPF_ALU64 | BPF_MOV | BPF_K, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, CPU_NUMBER_ADDR)) },
    percpuMov(0, 0),
    ...asm(`
    r0 = *(u32 *)(r0 + 0)
    exit`),
  ]);
  const prog = mkProg(text);
  const rv = analyzeProgram(mkObj(prog), prog, analysisOptionsFor(RV_UPSTREAM));
  assert.ok(rv.ok);
  assert.deepEqual(rv.value.insns, asm(text));
});

test('a tc program that writes packet data gets the unclone prologue before insn 0', () => {
  const img = analyze(`
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 1
    if r4 > r3 goto +1
    *(u8 *)(r2 + 0) = 1
    r0 = 0
    exit`);
  same(
    img.insns.slice(0, 11),
    `
    r6 = *(u8 *)(r1 + 126)
    w6 &= 1
    if r6 == 0 goto +7
    r6 = r1
    r2 ^= r2
    call bpf_skb_pull_data
    if r0 == 0 goto +2
    w0 = 2
    exit
    r1 = r6
    r2 = *(u64 *)(r1 + 200)`,
  );
  assert.deepEqual(img.origInsn.slice(0, 12), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  // A program that only reads packet data has no prologue.
  assert.equal(analyze('r2 = *(u32 *)(r1 + 76)\nr0 = 0\nexit').insns.length, 3);
});

test('may_goto is reported as not modelled rather than run unrewritten', () => {
  const prog = mkProg('r0 = 0\nmay_goto +1\nr0 = 1\nexit');
  const r = analyzeProgram(mkObj(prog), prog);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error.message : '', /may_goto/);
});

test('local-storage gets receive GFP_ATOMIC in r5, or GFP_KERNEL in a sleepable program', () => {
  const text = `
    r1 = map[#0] ll
    r2 = 0
    r3 = 0
    r4 = 0
    call bpf_task_storage_get
    r0 = 0
    exit`;
  const maps = [{ ...arrayMap(0), type: 29, keySize: 4, valueSize: 8, maxEntries: 0, flags: 1 }];
  const atomic = analyze(text, { progType: 'tracing', section: 'tp_btf/sys_enter' }, maps);
  same(atomic.insns.slice(5, 7), 'r5 = 2080\ncall bpf_task_storage_get'); // GFP_ATOMIC 0x820
  const sleepable = analyze(text, { progType: 'tracing', section: 'fentry.s/do_nanosleep' }, maps);
  same(sleepable.insns.slice(5, 7), 'r5 = 3264\ncall bpf_task_storage_get'); // GFP_KERNEL 0xcc0
});
