// check_map_func_compatibility (kernel/bpf/verifier.c): a prog_array may only be passed to
// bpf_tail_call, and bpf_tail_call only takes a prog_array; anything else is refused with
// "cannot pass map_type N into func NAME#ID" (N: the map's enum bpf_map_type value).
// Checked where the abstract interpreter knows which map the argument register holds.
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_FUNC_tail_call, isHelperCall } from '../bpf/opcodes.ts';
import { helperName } from '../bpf/helperIds.ts';
import { MapType, type BpfObject } from '../object/types.ts';
import type { AbsState } from './absint.ts';
import * as E from './errors.ts';
import { MAP_MEM_ARGS } from './helperArgs.ts';

export function checkMapFuncCompat(w: E.ProgWhere, obj: BpfObject, insns: readonly Insn[], before: readonly (AbsState | undefined)[]): Diag | undefined {
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i]!;
    const st = before[i];
    if (!st || !isHelperCall(ins)) continue;
    const id = ins.imm;
    const mapReg = id === BPF_FUNC_tail_call ? 2 : MAP_MEM_ARGS[id]?.[0]?.mapReg;
    if (mapReg === undefined) continue;
    const v = st.regs[mapReg]!;
    const def = v.k === 'map' ? obj.maps[v.idx] : undefined;
    if (!def) continue;
    const isProgArray = def.type === MapType.PROG_ARRAY;
    if (isProgArray !== (id === BPF_FUNC_tail_call)) return E.mapFuncIncompatible(w, i, def.type, helperName(id), id);
  }
  return undefined;
}
