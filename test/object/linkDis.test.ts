// Checks linked programs against llvm-objdump's view of the same object (obj/NAME.dis):
// every linked function holds its original bytes except where libbpf rewrites them
// (calls, map and global-data loads), and every rewritten call lands on the start of
// the function objdump's relocation names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeInsn, type Insn } from '../../src/bpf/insn.ts';
import { loadObjectFile, type BpfObject } from '../../src/object/index.ts';
import { expectedObjects, haveTestdata, objDir, SKIP_REASON } from './testdata.ts';

interface DisInsn {
  idx: number;
  bytes: number[];
  reloc?: { type: string; sym: string };
}
interface DisFunc {
  section: string;
  start: number;
  insns: DisInsn[];
}

/** Parses `llvm-objdump -d -r` output into functions (by name) with their slots. */
function parseDis(text: string, funcNames: Set<string>): Map<string, DisFunc> {
  const out = new Map<string, DisFunc>();
  let section = '';
  let cur: DisFunc | undefined;
  let last: DisInsn | undefined;
  for (const line of text.split('\n')) {
    let m = /^Disassembly of section (.*):$/.exec(line);
    if (m) {
      section = m[1]!;
      cur = undefined;
      continue;
    }
    m = /^[0-9a-f]{16} <(.*)>:$/.exec(line);
    if (m) {
      if (funcNames.has(m[1]!)) out.set(m[1]!, (cur = { section, start: -1, insns: [] }));
      continue;
    }
    m = /^\s+(\d+):\t([0-9a-f]{2}(?: [0-9a-f]{2})*)/.exec(line);
    if (m && cur) {
      last = {
        idx: Number(m[1]),
        bytes: m[2]!
          .trim()
          .split(' ')
          .map((h) => parseInt(h, 16)),
      };
      if (cur.start < 0) cur.start = last.idx;
      cur.insns.push(last);
      continue;
    }
    m = /^\t\t[0-9a-f]{16}:\s+(R_BPF_\w+)\t(\S+)$/.exec(line);
    if (m && last) last.reloc = { type: m[1]!, sym: m[2]! };
  }
  return out;
}

function slotBytes(obj: BpfObject, progIdx: number, i: number): number[] {
  return [...encodeInsn(obj.programs[progIdx]!.insns[i]!)];
}

describe('linked programs match llvm-objdump', { skip: haveTestdata ? false : SKIP_REASON }, () => {
  const expected = haveTestdata ? expectedObjects() : {};
  for (const [name, exp] of Object.entries(expected)) {
    it(`${name}: original bytes, calls to function starts, map and global loads rewritten`, () => {
      const r = loadObjectFile(path.join(objDir, `${name}.o`));
      assert.ok(r.ok, r.ok ? 'loaded' : r.error.message);
      const obj = r.value;
      const names = new Set([...exp.programs.map((p) => p.name), ...exp.subprograms.map((s) => s.name)]);
      const dis = parseDis(readFileSync(path.join(objDir, `${name}.dis`), 'utf8'), names);
      const textFuncs = [...dis].filter(([, f]) => f.section === '.text');
      const textFuncAt = (idx: number): string | undefined => textFuncs.find(([, f]) => f.start === idx)?.[0];
      obj.programs.forEach((p, pi) => {
        for (const lf of p.funcs) {
          const df = dis.get(lf.name);
          assert.ok(df, `${lf.name} is in the .dis`);
          assert.equal(df.section, lf.section, `${lf.name} section`);
          assert.equal(df.start, lf.sectionInsn, `${lf.name} start`);
          for (const d of df.insns) {
            const i: number = lf.start + (d.idx - df.start);
            const got = slotBytes(obj, pi, i);
            const where: string = `${p.name} insn ${i} (${lf.name}+${d.idx - df.start})`;
            const x: Insn = p.insns[i]!;
            if (x.code === 0x85 && x.src === 1) {
              // Callee named by the relocation: a function symbol, or `.text` + the static offset in imm.
              const orig = d.bytes[4]! | (d.bytes[5]! << 8) | (d.bytes[6]! << 16) | (d.bytes[7]! << 24);
              let targetIdx: number;
              if (!d.reloc) targetIdx = d.idx + orig + 1;
              else if (d.reloc.sym === '.text') targetIdx = orig + 1;
              else targetIdx = dis.get(d.reloc.sym)!.start + orig + 1;
              const callee = textFuncAt(targetIdx);
              assert.ok(callee, `${where}: objdump call target ${targetIdx} is a function start`);
              const lc = p.funcs.find((f) => f.name === callee);
              assert.ok(lc, `${where}: ${callee} was appended`);
              assert.equal(i + x.imm + 1, lc.start, `${where}: call lands on ${callee}`);
              assert.deepEqual(got.slice(0, 4), d.bytes.slice(0, 4), `${where}: only imm changes`);
            } else if (d.reloc?.type === 'R_BPF_64_64') {
              const map = obj.maps.find((m) => m.name === d.reloc!.sym && m.kind === 'user');
              const glob = obj.globals.find((g) => g.name === d.reloc!.sym);
              if (map) assert.deepEqual([x.src, x.imm, p.insns[i + 1]!.imm], [1, map.index, 0], `${where}: map ${map.name}`);
              else {
                assert.ok(glob, `${where}: relocation against ${d.reloc.sym} is a map or a global`);
                assert.deepEqual([x.src, x.imm, p.insns[i + 1]!.imm], [2, glob.mapIndex, glob.offset], `${where}: global ${glob.name}`);
              }
              assert.equal(d.bytes.length, 16, `${where}: ld_imm64 has two slots`);
            } else {
              assert.deepEqual(got, d.bytes.slice(0, 8), `${where}: unchanged`);
              if (d.bytes.length === 16) assert.deepEqual(slotBytes(obj, pi, i + 1), d.bytes.slice(8), `${where}: second slot unchanged`);
            }
          }
          const slots = df.insns.reduce((n, d) => n + d.bytes.length / 8, 0);
          assert.equal(slots, lf.len, `${lf.name} length`);
        }
        const total = p.funcs.reduce((n, f) => n + f.len, 0);
        assert.equal(total, p.insns.length, `${p.name}: functions cover the linked program`);
      });
    });
  }
});
