// The RISC-V side of per-CPU data (6.10+, RVC on): the per-CPU MOV of an inlined percpu
// array lookup becomes `lw t1, cpu(tp)`, `auipc/addi t2, __per_cpu_offset`, sh3add without
// Zba (`c.slli; c.add`), `ld t1, 0(t1)`, `c.add a5, t1`; bpf_get_smp_processor_id is the
// JIT's own `lw a5, cpu(tp)`, with no helper call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RV_UPSTREAM } from '../../../src/jit/riscv64/profiles.ts';
import * as E from '../../../src/jit/riscv64/encode.ts';
import { RV } from '../../../src/jit/riscv64/encode.ts';
import { RV_THREAD_INFO_CPU_OFF } from '../../../src/common/kernelStructs.ts';
import { PER_CPU_OFFSET_ADDR } from '../../../src/common/layout.ts';
import { jitWithPercpuArray, PERCPU_LOOKUP } from '../perCpuFixture.ts';

const w32 = (w: number): string => Buffer.from(new Uint32Array([w >>> 0]).buffer).toString('hex');
const w16 = (w: number): string => Buffer.from(new Uint16Array([w & 0xffff]).buffer).toString('hex');
const A5 = 15; // BPF R0

function jit(text: string) {
  const f = jitWithPercpuArray(text, RV_UPSTREAM).jit.funcs[0]!;
  return { hex: Buffer.from(f.code).toString('hex'), relocs: f.relocs };
}

test('the per-CPU MOV of a percpu array lookup adds __per_cpu_offset[thread_info->cpu]', () => {
  const { hex, relocs } = jit(PERCPU_LOOKUP);
  const want = [
    w32(E.rv_lw(RV.T1, RV_THREAD_INFO_CPU_OFF, RV.TP)),
    w32(E.rv_auipc(RV.T2, 0)),
    w32(E.rv_addi(RV.T2, RV.T2, 0)),
    w16(E.rvc_slli(RV.T1, 3)),
    w16(E.rvc_add(RV.T1, RV.T2)),
    w32(E.rv_ld(RV.T1, 0, RV.T1)),
    w16(E.rvc_add(A5, RV.T1)),
  ].join('');
  assert.ok(hex.includes(want), hex);
  assert.deepEqual(
    relocs.filter((r) => r.kind === 'ksymAddr').map((r) => r.kind === 'ksymAddr' && r.addr),
    [PER_CPU_OFFSET_ADDR],
  );
  assert.equal(relocs.filter((r) => r.kind === 'helperCall').length, 0);
});

test('bpf_get_smp_processor_id is a load of thread_info->cpu, not a call', () => {
  const { hex, relocs } = jit(`
    call bpf_get_smp_processor_id
    exit`);
  assert.ok(hex.includes(w32(E.rv_lw(A5, RV_THREAD_INFO_CPU_OFF, RV.TP))), hex);
  assert.equal(relocs.filter((r) => r.kind === 'helperCall').length, 0);
});
