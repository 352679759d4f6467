// bpf_loop's loop (kernel/bpf/bpf_iter.c, the helper the verifier did not inline) as guest
// code, on a page of its own (CALLBACK_LOOP_ADDR): `for (i = 0; i < nr; i++) if
// (callback(i, ctx, 0, 0, 0)) return i + 1; return i;` with the callback called through a
// register, as the kernel's C helper calls it, under the C calling convention the JITed
// callback follows. The helper trap checks the arguments (EINVAL, E2BIG) in TypeScript,
// then an uncounted run continues here instead of returning from the trap: no host round
// trip per callback (bpf_loop(1 << 23) with a trivial callback took > 60 s that way).
// Entry: nr, callback, ctx in the first three argument registers; the return address of
// the helper call where the program left it (x86-64: on the stack; riscv64: ra).
import type { MachineArch } from './machine.ts';
import { PAGE_SIZE } from '../common/layout.ts';

/** x86-64: callee-saved rbx/r12-r15 keep nr, callback, ctx, i (r15 only aligns the stack). */
function x86Loop(): number[] {
  const head = [
    0x53,
    0x41,
    0x54,
    0x41,
    0x55,
    0x41,
    0x56,
    0x41,
    0x57, // push rbx; push r12; push r13; push r14; push r15
    0x48,
    0x89,
    0xfb, //                                     mov rbx, rdi   (nr)
    0x49,
    0x89,
    0xf4, //                                     mov r12, rsi   (callback)
    0x49,
    0x89,
    0xd5, //                                     mov r13, rdx   (ctx)
    0x45,
    0x31,
    0xf6, //                                     xor r14d, r14d (i)
  ];
  const body = [
    0x4c,
    0x89,
    0xf7, //       mov rdi, r14
    0x4c,
    0x89,
    0xee, //       mov rsi, r13
    0x31,
    0xd2, //             xor edx, edx
    0x31,
    0xc9, //             xor ecx, ecx
    0x45,
    0x31,
    0xc0, //       xor r8d, r8d
    0x41,
    0xff,
    0xd4, //       call r12
    0x49,
    0xff,
    0xc6, //       inc r14
    0x48,
    0x85,
    0xc0, //       test rax, rax
  ];
  const stop = [0x4c, 0x89, 0xf0]; //  mov rax, r14   (i + 1: a callback returned non-zero)
  const done = [0x48, 0x89, 0xd8]; //  mov rax, rbx   (nr)
  const tail = [0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5b, 0xc3]; // pop r15..rbx; ret
  // loop: cmp rbx, r14; jbe done; body; jz loop; stop; jmp out; done: ...; out: tail
  const loopLen = 3 + 2 + body.length + 2;
  const jz = -loopLen; // back to `loop`
  const jbe = body.length + 2 + stop.length + 2;
  return [
    ...head,
    0x4c,
    0x39,
    0xf3, //       loop: cmp rbx, r14
    0x76,
    jbe & 0xff, //       jbe done
    ...body,
    0x74,
    jz & 0xff, //        jz loop
    ...stop,
    0xeb,
    done.length, //      jmp out
    ...done,
    ...tail,
  ];
}

// RV64 encoders.
const I = (imm: number, rs1: number, f3: number, rd: number, op: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const S = (imm: number, rs2: number, rs1: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;
const B = (f3: number, rs1: number, rs2: number, off: number): number =>
  ((((off >> 12) & 1) << 31) |
    (((off >> 5) & 0x3f) << 25) |
    (rs2 << 20) |
    (rs1 << 15) |
    (f3 << 12) |
    (((off >> 1) & 0xf) << 8) |
    (((off >> 11) & 1) << 7) |
    0x63) >>>
  0;
const J = (rd: number, off: number): number =>
  ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) | (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
const addi = (rd: number, rs1: number, imm: number): number => I(imm, rs1, 0, rd, 0x13);
const mv = (rd: number, rs: number): number => addi(rd, rs, 0);
const ld = (rd: number, rs1: number, imm: number): number => I(imm, rs1, 3, rd, 0x03);
const [RA, SP, S1, S2, S3, S4, A0, A1, A2, A3, A4] = [1, 2, 9, 18, 19, 20, 10, 11, 12, 13, 14];

/** riscv64: callee-saved s1-s4 keep nr, callback, ctx, i; ra is saved for the calls. */
function riscvLoop(): number[] {
  const w = [
    addi(SP, SP, -48),
    S(40, RA, SP),
    S(32, S1, SP),
    S(24, S2, SP),
    S(16, S3, SP),
    S(8, S4, SP),
    mv(S1, A0),
    mv(S2, A1),
    mv(S3, A2),
    addi(S4, 0, 0),
    /* 10 loop: */ B(7, S4, S1, 4 * 11), //    bgeu s4, s1, done (word 21)
    mv(A0, S4),
    mv(A1, S3),
    addi(A2, 0, 0),
    addi(A3, 0, 0),
    addi(A4, 0, 0),
    I(0, S2, 0, RA, 0x67), //                 jalr ra, 0(s2)
    addi(S4, S4, 1),
    B(0, A0, 0, -4 * 8), //                   beqz a0, loop (word 10)
    mv(A0, S4), //                            i + 1
    J(0, 4 * 2), //                           j out (word 22)
    /* 21 done: */ mv(A0, S1),
    /* 22 out: */ ld(RA, SP, 40),
    ld(S1, SP, 32),
    ld(S2, SP, 24),
    ld(S3, SP, 16),
    ld(S4, SP, 8),
    addi(SP, SP, 48),
    I(0, RA, 0, 0, 0x67), //                  ret
  ];
  return w.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
}

/** The page at CALLBACK_LOOP_ADDR: the loop at its start, then int3 (x86) / zeros (illegal on riscv). */
export function callbackLoopPage(arch: MachineArch): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE).fill(arch === 'x86_64' ? 0xcc : 0);
  page.set(arch === 'x86_64' ? x86Loop() : riscvLoop());
  return page;
}
