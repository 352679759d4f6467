// The kernel routines a BPF trampoline calls (kernel/bpf/trampoline.c), as native x86-64
// code on one page, so a trampoline runs without any trap into JS:
//  - __bpf_prog_enter_recur(prog, run_ctx): this_cpu_inc_return(*prog->active); when it is
//    not 1 the program is already running on this CPU (recursion): return 0 and the
//    trampoline skips it; else return bpf_prog_start_time() = NO_START_TIME (1, stats off);
//  - __bpf_prog_exit_recur(prog, start, run_ctx): this_cpu_dec(*prog->active);
//  - __bpf_tramp_enter(im) / __bpf_tramp_exit(im): percpu_ref get/put of the image: `ret`.
// prog->active is a per-CPU int per program. Ours live in every CPU's per-CPU area at
// PROG_ACTIVE_OFF + (prog - PROG_STRUCT_BASE) / 64 (one dword per 256-byte struct
// bpf_prog slot), reached through gs like the kernel's per-CPU accesses. rcu_read_lock,
// migrate_disable and the run_ctx swap have no observable effect here and are left out.
import { PROG_STRUCT_BASE } from '../common/layout.ts';
import { BPF_PROG_STRUCT_SIZE } from '../common/kernelStructs.ts';

/** Per-CPU offset of the prog->active counters (below this_cpu_off and the private stacks). */
export const PROG_ACTIVE_OFF = 0x10000;
const PROG_ACTIVE_END = 0x1f000;
/** One dword per struct bpf_prog slot: offset = (prog - PROG_STRUCT_BASE) >> SHIFT. */
const SHIFT = Math.log2(BPF_PROG_STRUCT_SIZE / 4);

export interface RoutineAddrs {
  progEnter: bigint;
  progExit: bigint;
  trampEnter: bigint;
  trampExit: bigint;
}

/** Offsets of the routines inside their page (the same on every arch). */
export const ROUTINE_ENTER = 0x00;
export const ROUTINE_EXIT = 0x40;
export const ROUTINE_TRAMP_ENTER = 0x80;
export const ROUTINE_TRAMP_EXIT = 0xc0;

/** The routines' addresses in a page at `base`. */
export const routineAddrs = (base: bigint): RoutineAddrs => ({
  progEnter: base + BigInt(ROUTINE_ENTER),
  progExit: base + BigInt(ROUTINE_EXIT),
  trampEnter: base + BigInt(ROUTINE_TRAMP_ENTER),
  trampExit: base + BigInt(ROUTINE_TRAMP_EXIT),
});

const le = (v: bigint, n: number): number[] => Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

/** rax = (rdi - PROG_STRUCT_BASE) >> SHIFT: the prog's byte offset into the counter array. */
function counterIndex(): number[] {
  return [
    0x48,
    0x89,
    0xf8, // mov rax, rdi
    0x49,
    0xbb,
    ...le(PROG_STRUCT_BASE, 8), // movabs r11, PROG_STRUCT_BASE
    0x4c,
    0x29,
    0xd8, // sub rax, r11
    0x48,
    0xc1,
    0xe8,
    SHIFT, // shr rax, SHIFT
  ];
}

/** The page of routines (int3 elsewhere) and where each one starts. */
export function routinesPage(base: bigint, pageSize: number): { bytes: Uint8Array; addrs: RoutineAddrs } {
  const page = new Uint8Array(pageSize).fill(0xcc);
  const d = le(BigInt(PROG_ACTIVE_OFF), 4);
  page.set(
    [
      ...counterIndex(),
      0x65,
      0xff,
      0x80,
      ...d, // inc dword gs:[rax + PROG_ACTIVE_OFF]
      0x65,
      0x83,
      0xb8,
      ...d,
      0x01, // cmp dword gs:[rax + PROG_ACTIVE_OFF], 1
      0x75,
      0x06, // jne recursion
      0xb8,
      0x01,
      0x00,
      0x00,
      0x00, // mov eax, NO_START_TIME
      0xc3, // ret
      0x31,
      0xc0, // recursion: xor eax, eax (the program is skipped)
      0xc3, // ret
    ],
    ROUTINE_ENTER,
  );
  page.set(
    [
      ...counterIndex(),
      0x65,
      0xff,
      0x88,
      ...d, // dec dword gs:[rax + PROG_ACTIVE_OFF]
      0xc3, // ret
    ],
    ROUTINE_EXIT,
  );
  page[ROUTINE_TRAMP_ENTER] = 0xc3;
  page[ROUTINE_TRAMP_EXIT] = 0xc3;
  return { bytes: page, addrs: routineAddrs(base) };
}

/** Per-CPU offset of a program's prog->active counter. */
export function progActiveOff(structAddr: bigint): number {
  const off = PROG_ACTIVE_OFF + Number((structAddr - PROG_STRUCT_BASE) >> BigInt(SHIFT));
  if (off + 4 > PROG_ACTIVE_END) throw new Error(`prog->active counters exhausted (struct 0x${structAddr.toString(16)})`);
  return off;
}
