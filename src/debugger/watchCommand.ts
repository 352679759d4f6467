// `watch` / `rwatch` / `awatch`: watchpoints on the bytes of a global, a member, a stack
// slot (`*(u64 *)($r10 - 8)`) or a map element's value, implemented with the machine's
// memory-access hooks (Unicorn UC_HOOK_MEM_WRITE/READ): a run stops after the access, with
// gdb's "Hardware watchpoint N: EXPR / Old value / New value" text. Numbered with the
// breakpoints (info breakpoints, delete, disable). A watchpoint watches an address: a stack
// slot stays watched after its frame returns (gdb would delete it), which is said when set.
import { bytesEqual } from '../common/bytes.ts';
import { err, ok, type Diag, type Result } from '../common/diag.ts';
import { objectBtf } from '../object/objectBtf.ts';
import type { DataCommand, WatchAccess } from './commands/dataCommands.ts';
import type { WatchEntry } from './breakpoints.ts';
import { fromBtf, rawType, sizeOf } from './expr/ctype.ts';
import { evalTyped, type ExprEnv, type Value } from './expr/evalExpr.ts';
import { formatCValue } from './expr/formatCValue.ts';
import type { CommandContext } from './commandContext.ts';

const KIND: Record<WatchAccess, string> = { write: 'Hardware watchpoint', read: 'Hardware read watchpoint', access: 'Hardware access (read/write) watchpoint' };

export function executeWatch(s: CommandContext, cmd: Extract<DataCommand, { kind: 'watch' }>): Diag | null {
  const place = watchedPlace(s, cmd);
  if (!place.ok) return place.error;
  const v = place.value;
  const first = v.bits ? Math.floor(v.bits.offset / 8) : 0;
  const size = v.bits ? Math.ceil(((v.bits.offset % 8) + v.bits.size) / 8) : sizeOf(v.type);
  if (!size) return { code: 'debug.watch-size', message: `cannot watch '${cmd.text}': its type has no size`, place: {} };
  const addr = v.addr! + BigInt(first);
  const m = s.target.machine;
  if (!m.isMapped(addr, size)) return { code: 'expr.unmapped', message: `cannot access memory at address 0x${addr.toString(16)}`, place: {} };
  const w = s.bps.addWatch({ access: cmd.access, text: cmd.text, place: v, addr, size, last: m.readMem(addr, size) });
  s.rc.sync();
  s.print(`${KIND[cmd.access]} ${w.id}: ${cmd.text}`);
  return null;
}

/** The typed place a watch command names. */
function watchedPlace(s: CommandContext, cmd: Extract<DataCommand, { kind: 'watch' }>): Result<Value> {
  const t = s.target;
  if (cmd.target.kind === 'expr') {
    const v = evalTyped(cmd.target.expr, s.exprEnv());
    if (!v.ok) return v;
    if (v.value.addr === null) return err('debug.watch-value', `Cannot watch constant value '${cmd.text}'.`);
    return v;
  }
  const mr = t.objects.findMap(cmd.target.map, s.scopeObject());
  if (!mr.ok) return mr;
  const map = mr.value;
  const key = cmd.target.key;
  const kb = new Uint8Array(map.def.keySize);
  for (let i = 0; i < kb.length; i++) kb[i] = Number((key >> BigInt(8 * i)) & 0xffn);
  const addr = map.lookup(kb, t.model.cpu);
  if (addr === 0n) return err('debug.no-element', `map ${cmd.target.map} has no element with key ${key}`);
  const owner = t.objects.ownerOf(map);
  const btf = owner ? objectBtf(owner.loaded.object) : null;
  const typed = btf && map.def.btfValueTypeId ? fromBtf(btf, map.def.btfValueTypeId) : undefined;
  // Without a value type (or a global-data section's DATASEC): its bytes as an integer or a byte array.
  const type = typed && sizeOf(typed) === map.def.valueSize ? typed : rawType(map.def.valueSize);
  return ok({ type, addr, value: null });
}

/** An environment that reads `bytes` at [addr, addr + n) and the machine elsewhere (an old value). */
function withBytes(env: ExprEnv, addr: bigint, bytes: Uint8Array): ExprEnv {
  return {
    ...env,
    read(a, size) {
      if (a >= addr && a + BigInt(size) <= addr + BigInt(bytes.length)) {
        let v = 0n;
        for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[Number(a - addr) + k]!);
        return v;
      }
      return env.read(a, size);
    },
  };
}

/** gdb's report of a watchpoint hit: kind, number, expression, then Old/New value or Value. */
export function watchHit(
  s: CommandContext,
  w: WatchEntry,
  access: 'read' | 'write',
  before: Uint8Array,
  after: Uint8Array,
): { text: string; old: string | null; value: string } {
  const env = s.exprEnv();
  const show = (bytes: Uint8Array): string => {
    const r = formatCValue(w.place, withBytes(env, w.addr, bytes));
    return r.ok ? r.value : `<error: ${r.error.message}>`;
  };
  const changed = !bytesEqual(after, before);
  const old = access === 'write' && changed ? show(before) : null;
  const value = show(after);
  const body = old !== null ? `Old value = ${old}\nNew value = ${value}` : `Value = ${value}`;
  return { text: `\n${KIND[w.access]} ${w.id}: ${w.text}\n\n${body}`, old, value };
}

/** `info watchpoints`: gdb's table, watchpoints only. */
export function watchpointsText(s: CommandContext): string {
  const ws = s.bps.watches();
  if (ws.length === 0) return 'No watchpoints.';
  const type = { write: 'hw watchpoint', read: 'read watchpoint', access: 'acc watchpoint' } as const;
  return [
    'Num  Type            Enb What',
    ...ws.map(
      (w) =>
        `${String(w.id).padEnd(4)} ${type[w.access].padEnd(15)} ${w.enabled ? 'y' : 'n'}   ${w.text}${w.hits ? ` (hit ${w.hits} time${w.hits > 1 ? 's' : ''})` : ''}`,
    ),
  ].join('\n');
}
