// Capstone (wasm build @alexaltea/capstone-js 5.x) for x86-64 (Intel syntax), RV64GC and
// eBPF disassembly. The ONLY file importing it. The package is an Emscripten CommonJS
// module with no types: load it through createRequire, instantiate the wasm once
// (33-50 ms), then disassemble synchronously with one cached handle per arch.
import { createRequire } from 'node:module';

export type DisasmArch = 'x86_64' | 'riscv64' | 'bpf';

export interface DisasmInsn {
  addr: bigint;
  size: number;
  bytes: Uint8Array;
  mnemonic: string;
  opStr: string;
}

interface CsInstruction {
  address: bigint | number;
  size: number;
  bytes: number[];
  mnemonic: string;
  op_str: string;
}
interface CsHandle {
  disasm(buffer: number[] | Uint8Array, addr: bigint | number, max?: number): CsInstruction[];
  option(opt: number, value: number): void;
  close(): void;
}
interface CsModule {
  Capstone: new (arch: number, mode: number) => CsHandle;
  [k: string]: unknown;
}

let modulePromise: Promise<CsModule> | undefined;
let moduleReady: CsModule | undefined;
const handles = new Map<DisasmArch, CsHandle>();

/** Instantiates the wasm module once; later calls return the same promise. */
export function loadCapstone(): Promise<void> {
  if (!modulePromise) {
    const require = createRequire(import.meta.url);
    const factory = require('@alexaltea/capstone-js') as () => Promise<CsModule>;
    modulePromise = factory().then((m) => (moduleReady = m));
  }
  return modulePromise.then(() => undefined);
}

export function capstoneLoaded(): boolean {
  return moduleReady !== undefined;
}

function handle(arch: DisasmArch): CsHandle {
  const cs = moduleReady;
  if (!cs) throw new Error('capstone not loaded: await loadCapstone() first');
  let h = handles.get(arch);
  if (h) return h;
  const n = (k: string): number => cs[k] as number;
  if (arch === 'x86_64') {
    h = new cs.Capstone(n('ARCH_X86'), n('MODE_64'));
    h.option(n('OPT_SYNTAX'), n('OPT_SYNTAX_INTEL'));
  } else if (arch === 'riscv64') {
    // The kernel RV64 JIT emits compressed instructions when RVC is available.
    h = new cs.Capstone(n('ARCH_RISCV'), n('MODE_RISCV64') | n('MODE_RISCVC'));
  } else {
    h = new cs.Capstone(n('ARCH_BPF'), n('MODE_BPF_EXTENDED'));
  }
  handles.set(arch, h);
  return h;
}

/** Length of one undecodable unit, so disassembly can continue past it. */
function badUnit(arch: DisasmArch, bytes: Uint8Array, off: number): number {
  if (arch === 'x86_64') return 1;
  if (arch === 'bpf') return Math.min(8, bytes.length - off);
  return Math.min((bytes[off]! & 3) === 3 ? 4 : 2, bytes.length - off);
}

/**
 * Disassembles all of `bytes` placed at `addr`. Undecodable bytes become `(bad)` entries
 * (one byte on x86, one parcel on RISC-V, one slot on BPF) and decoding resumes after them.
 * Requires loadCapstone() to have resolved.
 */
export function disasm(arch: DisasmArch, bytes: Uint8Array, addr: bigint, max = 0): DisasmInsn[] {
  const h = handle(arch);
  const out: DisasmInsn[] = [];
  let off = 0;
  while (off < bytes.length && (max === 0 || out.length < max)) {
    const at = addr + BigInt(off);
    let got: CsInstruction[] = [];
    try {
      got = h.disasm(bytes.subarray(off), at, max === 0 ? 0 : max - out.length);
    } catch {
      got = []; // cs_disasm decoded nothing at `at`
    }
    for (const i of got) {
      out.push({
        addr: BigInt.asUintN(64, BigInt(i.address)),
        size: i.size,
        bytes: Uint8Array.from(i.bytes),
        mnemonic: i.mnemonic,
        opStr: i.op_str,
      });
      off += i.size;
    }
    if (off < bytes.length && (max === 0 || out.length < max)) {
      const n = badUnit(arch, bytes, off);
      out.push({ addr: addr + BigInt(off), size: n, bytes: bytes.slice(off, off + n), mnemonic: '(bad)', opStr: '' });
      off += n;
    }
  }
  return out;
}

/** Length of the instruction at the start of `bytes` (0 when undecodable). */
export function insnLength(arch: DisasmArch, bytes: Uint8Array, addr: bigint): number {
  if (arch === 'riscv64') return bytes.length === 0 ? 0 : (bytes[0]! & 3) === 3 ? 4 : 2;
  const [first] = disasm(arch, bytes, addr, 1);
  return first && first.mnemonic !== '(bad)' ? first.size : 0;
}

/** Formats one instruction the way the debugger prints it: `mov rax, qword ptr [rbp - 0x18]`. */
export function formatInsn(i: DisasmInsn): string {
  return i.opStr ? `${i.mnemonic} ${i.opStr}` : i.mnemonic;
}
