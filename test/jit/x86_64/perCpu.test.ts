// The inlined per-CPU sequences come out as the Linux 6.18.44 x86-64 JIT emits them
// (kernel-wide corpus: strobemeta.o's percpu array lookup, pyperf100.o's
// bpf_get_smp_processor_id), the per-CPU MOV being `add rax, gs:[&this_cpu_off]`. Only the
// address-bearing fields differ from the corpus (&cpu_number, the gs disp32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_X86_PROFILE } from '../../../src/jit/profiles.ts';
import { CPU_NUMBER_ADDR, THIS_CPU_OFF_ADDR } from '../../../src/common/layout.ts';
import { jitWithPercpuArray, PERCPU_LOOKUP } from '../perCpuFixture.ts';

const le32 = (v: bigint): string => Buffer.from(new Uint32Array([Number(BigInt.asUintN(32, v))]).buffer).toString('hex');
/** add rax, qword ptr gs:[&this_cpu_off] */
const ADD_THIS_CPU_OFF = `6548030425${le32(THIS_CPU_OFF_ADDR)}`;

/** The entry function's bytes, and whether any helper call is left in it. */
function jit(text: string): { hex: string; helperCalls: number } {
  const j = jitWithPercpuArray(text, DEFAULT_X86_PROFILE);
  return { hex: Buffer.from(j.code[0]!).toString('hex'), helperCalls: j.jit.funcs[0]!.relocs.filter((r) => r.kind === 'helperCall').length };
}

test('a percpu array lookup is inlined as percpu_array_map_gen_lookup, ending in the per-CPU add', () => {
  const { hex, helperCalls } = jit(PERCPU_LOOKUP);
  const want = [
    '4881c738010000', // add rdi, 0x138 (&array->pptrs)
    '8b4600', // mov eax, dword ptr [rsi]
    '4883f802', // cmp rax, 2 (max_entries)
    '7316', // jae to the NULL result
    '48c1e003', // shl rax, 3
    '4801f8', // add rax, rdi
    '488b4000', // mov rax, qword ptr [rax] (the per-CPU pointer)
    ADD_THIS_CPU_OFF,
    'eb02', // jmp over
    '31c0', // xor eax, eax
  ].join('');
  assert.ok(hex.includes(want), hex);
  assert.equal(helperCalls, 0);
});

test("bpf_get_smp_processor_id is inlined as a load of this CPU's cpu_number", () => {
  const { hex, helperCalls } = jit(`
    call bpf_get_smp_processor_id
    exit`);
  assert.equal(helperCalls, 0);
  // mov rax, &cpu_number (sign-extended imm32); add rax, gs:[&this_cpu_off]; mov eax, [rax]
  assert.ok(hex.includes(`48c7c0${le32(CPU_NUMBER_ADDR)}${ADD_THIS_CPU_OFF}8b4000`), hex);
});
