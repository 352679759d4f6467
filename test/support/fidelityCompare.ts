// One JITed function against the kernel's bytes for it. Only address fields are masked, and
// which fields those are is decided from the kernel's own instruction (never from our JIT's
// relocation records), so a JIT bug cannot hide behind its own mask.
import { disasm, formatInsn, loadCapstone, type DisasmInsn } from '../../src/machine/capstone.ts';

await loadCapstone();

export interface FuncOutcome {
  identical: boolean;
  cause?: string;
  detail?: string;
  name?: string;
}

/** A kernel address as a sign-extended imm32: kernel text and modules (0xffffffff80000000..0xffffffffff000000). */
const isKernelImm32 = (v: number): boolean => v >= 0x80000000 && v < 0xff000000;

/**
 * Byte offsets (relative to the instruction) that hold an address in this kernel instruction;
 * `next` is the instruction after it (a per-CPU offset is recognised by the gs-relative add
 * that follows it).
 */
export function addressFields(i: DisasmInsn, funcLen: number, at: number, next?: DisasmInsn): number[] {
  const b = i.bytes;
  const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
  // call rel32: a helper, kfunc, subprogram or thunk.
  if (b[0] === 0xe8 && b.length === 5) return range(1, 4);
  // jmp rel32 / jcc rel32 leaving the function: thunks, tail-call targets, the return thunk.
  const rel = (n: number) => {
    const target = at + b.length + new DataView(b.buffer, b.byteOffset + n, 4).getInt32(0, true);
    return target < 0 || target > funcLen ? range(n, 4) : [];
  };
  if (b[0] === 0xe9 && b.length === 5) return rel(1);
  if (b[0] === 0x0f && b.length === 6 && (b[1]! & 0xf0) === 0x80) return rel(2);
  // movabs r64, imm64 holding a canonical kernel address (map, ksym, per-CPU base).
  if (b.length === 10 && (b[0]! & 0xf8) === 0x48 && (b[1]! & 0xf8) === 0xb8) {
    if (b[9] === 0xff && b[8] === 0xff) return range(2, 8);
    // A __percpu pointer (the private stack, emit_priv_frame_ptr) is an offset, made an
    // address by `add reg, gs:[this_cpu_off]` right after it.
    return next?.bytes[0] === 0x65 && next.bytes.includes(0x03) ? range(2, 8) : [];
  }
  // mov r64, simm32 (48/49 c7 c0+r: REX.B selects r8-r15) of a kernel text/module address.
  if (b.length === 7 && (b[0]! & 0xfa) === 0x48 && b[1] === 0xc7 && (b[2]! & 0xf8) === 0xc0) {
    return isKernelImm32(new DataView(b.buffer, b.byteOffset + 3, 4).getUint32(0, true)) ? range(3, 4) : [];
  }
  // gs-relative absolute operand (per-CPU symbol such as this_cpu_off / cpu_number).
  if (b[0] === 0x65) {
    const sib = b.indexOf(0x25);
    if (sib > 0 && sib + 5 <= b.length && (b[sib - 1]! & 0xc7) === 0x04) return range(sib + 1, 4);
  }
  return [];
}

export function compareFunction(ours: Uint8Array, kernel: Uint8Array): FuncOutcome {
  const kIns = disasm('x86_64', kernel, 0n);
  const mask = new Set<number>();
  let at = 0;
  for (const [n, i] of kIns.entries()) {
    for (const o of addressFields(i, kernel.length, at, kIns[n + 1])) mask.add(at + o);
    at += i.size;
  }
  let diff = -1;
  const n = Math.min(ours.length, kernel.length);
  for (let k = 0; k < n; k++)
    if (ours[k] !== kernel[k] && !mask.has(k)) {
      diff = k;
      break;
    }
  if (diff < 0 && ours.length === kernel.length) return { identical: true };
  if (diff < 0) diff = n;
  const oIns = disasm('x86_64', ours, 0n);
  const around = (list: DisasmInsn[]) => {
    const idx = list.findIndex((i) => Number(i.addr) + i.size > diff);
    return list.slice(Math.max(0, idx - 2), idx + 3).map((i) => `${Number(i.addr).toString(16).padStart(4)}: ${formatInsn(i)}`);
  };
  const kAt = kIns.find((i) => Number(i.addr) + i.size > diff);
  const oAt = oIns.find((i) => Number(i.addr) + i.size > diff);
  const lens = ours.length === kernel.length ? '' : ` (ours ${ours.length} bytes, kernel ${kernel.length})`;
  return {
    identical: false,
    cause: `at 0x${diff.toString(16)}${lens}: ours '${oAt ? formatInsn(oAt) : 'end'}' kernel '${kAt ? formatInsn(kAt) : 'end'}'`,
    detail: `ours:\n${around(oIns).join('\n')}\nkernel:\n${around(kIns).join('\n')}`,
  };
}
