// `info args` and `info locals` for a BPF frame. Arguments: the parameter names and types
// of the function's BTF FUNC_PROTO, in R1..R5 as the calling convention passes them. BPF
// saves no argument register: R1-R5 are caller-saved and every helper or bpf2bpf call
// clobbers them, so an argument shows its value only while no instruction on a path from
// the function's entry to the PC may have written its register ("<clobbered>"), and in an
// outer frame never ("<not saved>"). Locals: clang's BPF output has no DWARF locations for
// bpfdbg to read, so these are the frame's stack slots that a store through R10 on a path
// to the PC may have written, with their current contents: slots, not C variables.
import { err, ok, type Result } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_FETCH,
  BPF_JMP,
  BPF_LD,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  LD_DW_IMM,
  insnClass,
  isPseudoCall,
  jmpOp,
  memMode,
  memSize,
  sizeBytes,
} from '../bpf/opcodes.ts';
import { successors } from '../analysis/cfg.ts';
import { funcParams } from './btfScope.ts';
import { strip } from './expr/ctype.ts';
import { formatCValue } from './expr/formatCValue.ts';
import type { CommandContext } from './commandContext.ts';

const CALLER_SAVED = 0b111111; // r0..r5

/** Registers an instruction may write (a bit per register). */
function writes(ins: Insn): number {
  if (ins.code === LD_DW_IMM) return 1 << ins.dst;
  const cls = insnClass(ins.code);
  if (cls === BPF_LD) return CALLER_SAVED;
  if (cls === BPF_LDX || cls === BPF_ALU || cls === BPF_ALU64) return 1 << ins.dst;
  if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC) {
    if (ins.imm === BPF_CMPXCHG) return 1;
    if (ins.imm === BPF_LOAD_ACQ) return 1 << ins.dst;
    return ins.imm !== BPF_STORE_REL && ins.imm & BPF_FETCH ? 1 << ins.src : 0;
  }
  // Helper, kfunc and bpf2bpf calls (and the xlated tail call) clobber R0-R5.
  if (cls === BPF_JMP && (jmpOp(ins.code) === BPF_CALL || jmpOp(ins.code) === 0xf0)) return CALLER_SAVED;
  return 0;
}

/** A store through R10: its offset and size. */
function stackStore(ins: Insn): { off: number; size: number } | null {
  const cls = insnClass(ins.code);
  if ((cls !== BPF_ST && cls !== BPF_STX) || ins.dst !== 10 || ins.code === LD_DW_IMM) return null;
  if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC && ins.imm === BPF_LOAD_ACQ) return null;
  return { off: ins.off, size: sizeBytes(memSize(ins.code)) };
}

interface Reach {
  /** Registers some path from entry to `at` may have written. */
  regs: number;
  /** Stack slots some path from entry to `at` may have stored to (`off:size`). */
  slots: Set<string>;
}

/** May-written registers and stack slots on paths from `start` to `at` inside [start, end). */
function reachingWrites(insns: readonly Insn[], start: number, end: number, at: number): Reach {
  const inRegs = new Map<number, number>([[start, 0]]);
  const inSlots = new Map<number, Set<string>>([[start, new Set()]]);
  const work = [start];
  while (work.length) {
    const i = work.pop()!;
    const ins = insns[i]!;
    const regs = inRegs.get(i)! | writes(ins);
    const slots = new Set(inSlots.get(i)!);
    const st = stackStore(ins);
    if (st) slots.add(`${st.off}:${st.size}`);
    // A bpf2bpf call returns to the next instruction (its callee is another frame).
    const next = ins.code === (BPF_JMP | BPF_CALL) && isPseudoCall(ins) ? [i + 1] : successors(insns, i);
    for (const n of next) {
      if (n < start || n >= end) continue;
      const r0 = inRegs.get(n);
      const s0 = inSlots.get(n);
      const grew = r0 === undefined || (r0 | regs) !== r0 || [...slots].some((x) => !s0!.has(x));
      if (!grew) continue;
      inRegs.set(n, (r0 ?? 0) | regs);
      inSlots.set(n, new Set([...(s0 ?? []), ...slots]));
      work.push(n);
    }
  }
  return { regs: inRegs.get(at) ?? 0, slots: inSlots.get(at) ?? new Set() };
}

function selected(s: CommandContext) {
  const f = s.frames()[s.selectedFrame];
  if (!f?.pos) return err('debug.no-frame', 'No frame selected (or a trampoline frame: no BPF function here).');
  return ok({ f, pos: f.pos });
}

export function infoArgs(s: CommandContext): Result<string> {
  const sel = selected(s);
  if (!sel.ok) return sel;
  const { f, pos } = sel.value;
  const obj = s.target.objects.objectOf(pos.program);
  const params = obj ? funcParams(obj, pos.func.name) : undefined;
  if (!params) return ok('No symbol table info available.');
  if (params.length === 0) return ok('No arguments.');
  const start = pos.func.insnStart;
  const { regs } = reachingWrites(pos.program.image.insns, start, start + pos.func.insnCount, pos.insn ?? start);
  const env = s.exprEnv();
  return ok(
    params
      .map((p, k) => {
        const r = `r${k + 1}`;
        if (k >= 5) return `${p.name} = <not in a register: BPF passes five arguments>`;
        if (f.level > 0) return `${p.name} = <not saved> (${r} is caller-saved)`;
        if (regs & (1 << (k + 1))) return `${p.name} = <clobbered> (${r} may have been written since entry)`;
        const v = env.reg(r)!;
        // A pointer as its bare address (formatCValue would put its type in front).
        const t = strip(p.type).k === 'ptr' ? null : formatCValue({ type: p.type, addr: null, value: v }, env);
        return `${p.name} = ${t?.ok ? t.value : `0x${v.toString(16)}`} (${r})`;
      })
      .join('\n'),
  );
}

export function infoLocals(s: CommandContext): Result<string> {
  const sel = selected(s);
  if (!sel.ok) return sel;
  const { f, pos } = sel.value;
  const start = pos.func.insnStart;
  const { slots } = reachingWrites(pos.program.image.insns, start, start + pos.func.insnCount, pos.insn ?? start);
  if (slots.size === 0) return ok('No locals: no stack slot written on the way here (BPF locals are R10 stack slots; registers: info registers).');
  // R10 of the frame: the register itself in frame 0; an outer x86-64 frame's rbp (R10 is rbp there, off a private stack).
  const r10 = f.level === 0 ? s.exprEnv().reg('r10') : s.target.arch === 'x86_64' && !s.target.privStackArea(pos.program, pos.funcIdx) ? f.fp : undefined;
  if (r10 === undefined) return err('debug.no-r10', `R10 of frame ${f.level} is not known on ${s.target.arch}: select frame 0`);
  const sorted = [...slots].map((k) => k.split(':').map(Number) as [number, number]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return ok(
    sorted
      .map(([off, size]) => {
        const v = s.rc.mem.read(r10 + BigInt(off), size);
        const place = `*(u${size * 8} *)($r10 - ${-off})`;
        return `${place} = ${v === undefined ? '<unreadable>' : `${v} (0x${v.toString(16)})`}`;
      })
      .join('\n'),
  );
}
