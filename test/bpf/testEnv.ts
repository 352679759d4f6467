// A small InterpEnv for ISA tests: a stack, a 4 KiB data area at DATA, a fake map table and
// scripted helpers. No kernel model involved.
import type { BpfCaller, InterpEnv, InterpProgram, MemFault } from '../../src/bpf/interpreter.ts';

export const DATA = 0x10000n;
export const STACK_TOP = 0x80000n;
const STACK_SIZE = 0x4000;

export interface TestEnv extends InterpEnv {
  data: Uint8Array;
  stack: Uint8Array;
  helpers: Map<number, (args: readonly bigint[], caller: BpfCaller) => bigint>;
  progs: Map<bigint, InterpProgram>;
}

export function testEnv(): TestEnv {
  const data = new Uint8Array(0x1000);
  const stack = new Uint8Array(STACK_SIZE);
  const stackBase = STACK_TOP - BigInt(STACK_SIZE);
  const locate = (addr: bigint, size: number): [Uint8Array, number] | undefined => {
    if (addr >= DATA && addr + BigInt(size) <= DATA + BigInt(data.length)) return [data, Number(addr - DATA)];
    if (addr >= stackBase && addr + BigInt(size) <= STACK_TOP) return [stack, Number(addr - stackBase)];
    return undefined;
  };
  const helpers = new Map<number, (args: readonly bigint[], caller: BpfCaller) => bigint>();
  const progs = new Map<bigint, InterpProgram>();
  return {
    data,
    stack,
    helpers,
    progs,
    stackTop: STACK_TOP,
    load(addr, size): bigint | MemFault {
      const l = locate(addr, size);
      if (!l) return { fault: 'unmapped', addr, size };
      let v = 0n;
      for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(l[0][l[1] + k]!);
      return v;
    },
    store(addr, size, value) {
      const l = locate(addr, size);
      if (!l) return { fault: 'unmapped', addr, size };
      for (let k = 0; k < size; k++) l[0][l[1] + k] = Number((value >> BigInt(8 * k)) & 0xffn);
      return undefined;
    },
    callHelper(id, args, caller) {
      const h = helpers.get(id);
      if (!h) throw new Error(`no helper ${id}`);
      return h(args, caller);
    },
    mapAddr: (_p, idx) => DATA + 0x800n + BigInt(idx) * 0x200n,
    mapValueAddr: (_p, idx) => DATA + BigInt(idx) * 0x100n,
    progAt: (ptr) => progs.get(ptr),
  };
}

export const prog = (insns: InterpProgram['insns'], extra: Partial<InterpProgram> = {}): InterpProgram => ({ insns, program: { name: 'test' }, ...extra });
