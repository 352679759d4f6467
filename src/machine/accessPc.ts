// Which instruction of a riscv64 translated block made a faulting or watched access, from the
// accesses the block made before the stop (nativeBlockCounter.ts counts them). Needed where
// budgets are enforced by block (Unicorn count 0): Unicorn 2.0.1's riscv translator does not
// store the pc before memory accesses, so a fault or a stop from a memory hook leaves pc at
// the block's start, with the instructions before the access done (measured, see
// test/machine/accessPc.test.ts).
//
// What Unicorn's memory hooks see, per instruction (measured on 2.0.1):
// - a load (l[bhwd][u], compressed forms, fl[wd]) and lr: one read; faulting: none;
// - a store (s[bhwd], compressed forms, fs[wd]): one write, also when it faults (the hook
//   runs before the mapping is checked);
// - an AMO: a read and a write; faulting: none (a read fault, amoswap too);
// - sc: a read and a write when it stores, none when the reservation fails.
import type { DisasmInsn } from './capstone.ts';

type Kind = 'load' | 'store' | 'amo' | 'sc' | 'other';

function kindOf(mnemonic: string): Kind {
  const m = mnemonic.replace(/^c\./, '');
  if (/^amo/.test(m)) return 'amo';
  if (/^sc\./.test(m)) return 'sc';
  if (/^(l[bhwd]u?|fl[wd]|lr\.[wd])(sp)?(\.|$)/.test(m)) return 'load';
  if (/^(s[bhwd]|fs[wd])(sp)?$/.test(m)) return 'store';
  return 'other';
}

/** Accesses the instruction made when it completed (sc: as if it stored). */
function completedEvents(k: Kind): number {
  return k === 'load' || k === 'store' ? 1 : k === 'amo' || k === 'sc' ? 2 : 0;
}

/**
 * Index in `insns` (the block, in order) of the instruction that stopped the block after
 * `events` accesses: a fault of `access` kind ('read' covers loads, lr and AMOs; 'write'
 * stores), or the watched access (the last of the `events`). Undefined when no instruction
 * fits (then the caller keeps the pc it has).
 */
export function riscvAccessInsn(insns: readonly DisasmInsn[], events: number, stop: 'read' | 'write' | 'watch'): number | undefined {
  let seen = 0;
  for (let i = 0; i < insns.length; i++) {
    const k = kindOf(insns[i]!.mnemonic);
    if (k === 'other') continue;
    if (stop === 'read' && (k === 'load' || k === 'amo') && seen === events) return i;
    if (stop === 'write' && k === 'store' && seen + 1 === events) return i;
    // A failed sc makes no access: count it as storing only when the accesses left allow it.
    const n = k === 'sc' && events - seen < 2 ? 0 : completedEvents(k);
    if (stop === 'watch' && n > 0 && seen < events && events <= seen + n) return i;
    seen += n;
  }
  return undefined;
}
