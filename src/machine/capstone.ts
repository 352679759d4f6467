// Capstone (wasm build @alexaltea/capstone-js 5.x) for x86-64 (Intel syntax), RV64GC and
// eBPF disassembly. The ONLY file importing it. The package is an Emscripten CommonJS
// module with no types: load it through createRequire and instantiate the wasm once
// (33-50 ms). Disassembly calls the module's exported C functions (cs_open, cs_option,
// cs_disasm, cs_free) and reads the cs_insn array straight from wasm memory, rather than
// through the package's JS `Capstone` wrapper: V8 deoptimized that wrapper on every call
// once TurboFan had compiled it ("insufficient type feedback" in its inlined ccall) and
// compiled it again, a ~4 ms pause every 32 single steps (the decode in stepExits.ts;
// bench/step.ts, docs/PERFORMANCE.md). One handle per arch, opened on first use.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type DisasmArch = 'x86_64' | 'riscv64' | 'bpf';

export interface DisasmInsn {
  addr: bigint;
  size: number;
  bytes: Uint8Array;
  mnemonic: string;
  opStr: string;
}

/** The module's exports we call (wasm32: pointers and size_t are numbers; uint64 a BigInt). */
interface CsModule {
  _cs_open(arch: number, mode: number, handleOut: number): number;
  _cs_option(handle: number, type: number, value: number): number;
  _cs_disasm(handle: number, code: number, size: number, addr: bigint, count: number, insnOut: number): number;
  _cs_free(insn: number, count: number): void;
  _malloc(n: number): number;
  _free(p: number): void;
  [k: string]: unknown;
}

/** struct cs_insn in Capstone 5 (wasm32): the fields read here and the element size. */
const INSN_SIZE = 240;
const OFF_ADDRESS = 8;
const OFF_SIZE = 16;
const OFF_BYTES = 18;
const OFF_MNEMONIC = 42;
const OFF_OP_STR = 74;

let modulePromise: Promise<CsModule> | undefined;
let moduleReady: CsModule | undefined;
let memory: WebAssembly.Memory | undefined;
const handles = new Map<DisasmArch, number>();

/** Instantiates the wasm module once; later calls return the same promise. */
export function loadCapstone(): Promise<void> {
  if (!modulePromise) {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@alexaltea/capstone-js');
    const factory = require('@alexaltea/capstone-js') as (arg: object) => Promise<CsModule>;
    // Emscripten's instantiateWasm hook: instantiate here to keep the instance's memory.
    const instantiateWasm = (imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void): object => {
      const bytes = readFileSync(join(dirname(main), 'capstone.wasm'));
      void WebAssembly.instantiate(bytes, imports).then(({ instance, module }) => {
        memory = Object.values(instance.exports).find((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
        receive(instance, module);
      });
      return {};
    };
    modulePromise = factory({ instantiateWasm }).then((m) => {
      if (!memory) throw new Error('capstone: the wasm module exports no memory');
      return (moduleReady = m);
    });
  }
  return modulePromise.then(() => undefined);
}

export function capstoneLoaded(): boolean {
  return moduleReady !== undefined;
}

function handle(cs: CsModule, arch: DisasmArch): number {
  let h = handles.get(arch);
  if (h !== undefined) return h;
  const n = (k: string): number => cs[k] as number;
  const out = cs._malloc(4);
  const open = (a: number, mode: number): number => {
    const rc = cs._cs_open(a, mode, out);
    if (rc !== 0) throw new Error(`capstone: cs_open(${arch}) failed with code ${rc}`);
    return new DataView(memory!.buffer).getUint32(out, true);
  };
  if (arch === 'x86_64') {
    h = open(n('ARCH_X86'), n('MODE_64'));
    cs._cs_option(h, n('OPT_SYNTAX'), n('OPT_SYNTAX_INTEL'));
  } else if (arch === 'riscv64') {
    // The kernel RV64 JIT emits compressed instructions when RVC is available.
    h = open(n('ARCH_RISCV'), n('MODE_RISCV64') | n('MODE_RISCVC'));
  } else {
    h = open(n('ARCH_BPF'), n('MODE_BPF_EXTENDED'));
  }
  cs._free(out);
  handles.set(arch, h);
  return h;
}

/** A NUL-terminated ASCII string (mnemonics and operands are ASCII). */
function cString(mem: Uint8Array, at: number, max: number): string {
  let s = '';
  for (let i = at; i < at + max; i++) {
    const c = mem[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Scratch buffers in wasm memory, grown as needed and kept (calls are synchronous). */
let scratch = 0;
let scratchSize = 0;
const scratchFor = (cs: CsModule, n: number): number => {
  if (n + 4 > scratchSize) {
    if (scratch) cs._free(scratch);
    scratchSize = Math.max(4096, 2 * (n + 4));
    scratch = cs._malloc(scratchSize);
  }
  return scratch;
};

/** cs_disasm of `bytes` at `addr`, up to `max` instructions (0: all); [] when the first cannot be decoded. */
function csDisasm(arch: DisasmArch, bytes: Uint8Array, addr: bigint, max: number): DisasmInsn[] {
  const cs = moduleReady;
  if (!cs || !memory) throw new Error('capstone not loaded: await loadCapstone() first');
  const h = handle(cs, arch);
  if (bytes.length === 0) return [];
  const buf = scratchFor(cs, bytes.length);
  const insnOut = buf + bytes.length;
  new Uint8Array(memory.buffer).set(bytes, buf);
  const count = cs._cs_disasm(h, buf, bytes.length, BigInt.asUintN(64, addr), max, insnOut);
  if (count === 0) return [];
  // cs_disasm may grow wasm memory: views are made after it.
  const mem = new Uint8Array(memory.buffer);
  const dv = new DataView(memory.buffer);
  const first = dv.getUint32(insnOut, true);
  const out: DisasmInsn[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const p = first + i * INSN_SIZE;
    const size = dv.getUint16(p + OFF_SIZE, true);
    out[i] = {
      addr: dv.getBigUint64(p + OFF_ADDRESS, true),
      size,
      bytes: mem.slice(p + OFF_BYTES, p + OFF_BYTES + size),
      mnemonic: cString(mem, p + OFF_MNEMONIC, 32),
      opStr: cString(mem, p + OFF_OP_STR, 160),
    };
  }
  cs._cs_free(first, count);
  return out;
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
  const out: DisasmInsn[] = [];
  let off = 0;
  while (off < bytes.length && (max === 0 || out.length < max)) {
    const got = csDisasm(arch, bytes.subarray(off), addr + BigInt(off), max === 0 ? 0 : max - out.length);
    for (const i of got) {
      out.push(i);
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

/**
 * Capstone for one arch, in the shape of the debugger's Disassembler
 * (src/debugger/disassembler.ts): what sessions decode machine code with. A class, so a
 * recorder's state walk keeps it by reference. Requires loadCapstone() to have resolved.
 */
export class CapstoneDisassembler {
  constructor(readonly arch: DisasmArch) {}

  disasm(bytes: Uint8Array, addr: bigint, max = 0): DisasmInsn[] {
    return disasm(this.arch, bytes, addr, max);
  }

  format(i: DisasmInsn): string {
    return formatInsn(i);
  }
}
