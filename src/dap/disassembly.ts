// The `disassemble` request: the JIT image around an address, native instructions with the
// BPF instruction each starts (as a comment) and its C line as the instruction's location,
// so a client interleaves source. Windows reach into neighbouring functions in address
// order; past the ends of the JIT images, entries are marked invalid (DAP wants `count`).
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import type { Session } from '../debugger/index.ts';
import { localSource } from './stack.ts';

type Insn = DebugProtocol.DisassembledInstruction;

function funcInsns(s: Session, objectPath: string, p: Session['target']['programs'][number], fi: number): Insn[] {
  const out: Insn[] = [];
  let src: { file: string; line: number } | null = null;
  let bpf: string | null = null;
  const func = p.jit.funcs[fi]!.name;
  for (const l of s.code.funcLines(p, fi).lines) {
    if (l.kind === 'source') src = { file: l.file, line: l.line };
    else if (l.kind === 'bpf') bpf = `${l.insn}: ${l.text}`;
    else if (l.kind === 'native') {
      const path = src ? localSource(src.file, objectPath) : null;
      out.push({
        address: l.addr,
        instructionBytes: l.bytes.replace(/ /g, ''),
        instruction: bpf ? `${l.text}    ; ${bpf}` : l.text,
        symbol: `${func}+0x${l.off.toString(16)}`,
        ...(src ? { location: { name: basename(src.file), ...(path ? { path } : {}) }, line: src.line } : {}),
      });
      bpf = null;
    }
  }
  return out;
}

export function disassemble(s: Session, objectPath: string, addr: bigint, instructionOffset: number, count: number): Insn[] {
  const t = s.target;
  const funcs = t.programs.flatMap((p) => p.funcBases.map((base, fi) => ({ p, fi, base }))).sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const pos = t.index.lookup(addr);
  const invalid = (a: bigint): Insn => ({ address: `0x${a.toString(16)}`, instruction: '??', presentationHint: 'invalid' });
  if (!pos) return Array.from({ length: count }, () => invalid(addr));
  const at = funcs.findIndex((f) => f.p === pos.program && f.fi === pos.funcIdx);
  let list = funcInsns(s, objectPath, pos.program, pos.funcIdx);
  // The instruction holding addr: the last one starting at or before it.
  let idx = 0;
  while (idx + 1 < list.length && BigInt(list[idx + 1]!.address) <= addr) idx++;
  let first = at,
    last = at;
  let start = idx + instructionOffset;
  while (start < 0 && first > 0) {
    const prev = funcInsns(s, objectPath, funcs[first - 1]!.p, funcs[first - 1]!.fi);
    list = [...prev, ...list];
    start += prev.length;
    first--;
  }
  while (start + count > list.length && last < funcs.length - 1) {
    list = [...list, ...funcInsns(s, objectPath, funcs[last + 1]!.p, funcs[last + 1]!.fi)];
    last++;
  }
  const out: Insn[] = [];
  for (let i = start; i < start + count; i++) {
    const lo = BigInt(list[0]?.address ?? addr);
    out.push(list[i] ?? invalid(i < 0 ? lo - BigInt(-i) : BigInt(list.at(-1)?.address ?? addr) + BigInt(i - list.length + 1)));
  }
  return out;
}
