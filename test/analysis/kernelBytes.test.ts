// The analysis must reproduce what the Linux 6.18 verifier decided for the 21 tail-call
// selftest objects (and ps_basic.o), as visible in that kernel's x86-64 JIT output
// (../shared/testdata/*/kernel-jited-6.18.json): frame sizes (`sub rsp, imm32`), direct vs
// indirect tail calls, LD_ABS expansions, inlined array lookups and skb->len accesses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeProgram, INTERNAL_HELPER, type ProgramImage } from '../../src/analysis/index.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import { BPF_ALU64, BPF_ADD, BPF_K, BPF_LDX, BPF_MEM, BPF_W, CALL } from '../../src/bpf/opcodes.ts';
import { allObjectPaths, haveTestdata, SKIP_REASON, testdataDir } from '../object/testdata.ts';

interface KFunc {
  len: number;
}
type KObj = Record<string, { funcs: KFunc[]; bytes: string }>;

function kernelJit(): Record<string, KObj> {
  const a = JSON.parse(readFileSync(path.join(testdataDir, 'kernel-selftests/kernel-jited-6.18.json'), 'utf8')).objects;
  const b = JSON.parse(readFileSync(path.join(testdataDir, 'private-stack/kernel-jited-6.18.json'), 'utf8')).objects;
  return { ...a, ...b };
}

/** Per JITed function bytes, in the kernel's func[] order (= verifier subprog order). */
function funcBytes(k: { funcs: KFunc[]; bytes: string }): Buffer[] {
  const all = Buffer.from(k.bytes, 'hex');
  let off = 0;
  return k.funcs.map((f) => all.subarray(off, (off += f.len)));
}

/** Byte-aligned hex regex matches. */
function countHex(hay: Buffer, pattern: string): number {
  const hex = hay.toString('hex');
  const re = new RegExp(pattern, 'g');
  let n = 0;
  for (let m = re.exec(hex); m; m = re.exec(hex)) {
    if (m.index % 2 === 0) n++;
    re.lastIndex = m.index + 1;
  }
  return n;
}

interface Case {
  obj: string;
  prog: string;
  img: ProgramImage;
  funcs: Buffer[];
}

let cached: Case[] | undefined;
function cases(): Case[] {
  if (cached) return cached;
  const jit = kernelJit();
  const out: Case[] = [];
  for (const p of allObjectPaths()) {
    const base = path.basename(p);
    const k = jit[base];
    const loaded = loadObjectFile(p);
    assert.ok(loaded.ok, `${base} loads`);
    for (const prog of loaded.value.programs) {
      if (!prog.autoload) continue;
      const r = analyzeProgram(loaded.value, prog);
      assert.ok(r.ok, `${base} ${prog.name}: ${r.ok ? '' : r.error.message}`);
      const kp = k?.[prog.name];
      if (kp && kp.bytes) out.push({ obj: base, prog: prog.name, img: r.value, funcs: funcBytes(kp) });
    }
  }
  return (cached = out);
}

/** `sub rsp, imm32` right after `push rbp; mov rbp, rsp` (0 when the frame has no BPF stack). */
function subRsp(code: Buffer): number {
  const at = code.indexOf(Buffer.from('554889e5', 'hex'));
  const sub = Buffer.from('4881ec', 'hex');
  return at >= 0 && code.subarray(at + 4, at + 7).equals(sub) ? code.readInt32LE(at + 7) : 0;
}

const insnsOf = (img: ProgramImage, k: number) => img.insns.slice(img.subprogs[k]!.start, img.subprogs[k]!.end);

test('every autoload program of the 21 selftest objects and ps_basic.o analyzes', { skip: !haveTestdata && SKIP_REASON }, () => {
  assert.ok(cases().length >= 40);
});

test('stack depths give the `sub rsp, N` the 6.18 JIT emitted for every function', { skip: !haveTestdata && SKIP_REASON }, () => {
  for (const c of cases()) {
    assert.equal(c.img.subprogs.length, c.funcs.length, `${c.obj} ${c.prog}: function count`);
    c.img.subprogs.forEach((sp, k) => {
      const ours = sp.privStackMode === 'adaptive' ? 0 : Math.ceil(sp.stackDepth / 8) * 8;
      assert.equal(ours, subRsp(c.funcs[k]!), `${c.obj} ${c.prog} func ${k} (${sp.name})`);
    });
  }
});

test('direct tail calls match the kernel poke sites and indirect ones its table loads', { skip: !haveTestdata && SKIP_REASON }, () => {
  for (const c of cases()) {
    c.img.subprogs.forEach((sp, k) => {
      const sites = c.img.tailCallSites.filter((t) => t.subprog === k);
      // Direct: cmp qword [rax], 33; jae out; then the bypass: `jmp out` (E9 rel32), or nop5
      // when the slot was already populated at load time (static prog_array init).
      const direct = countHex(c.funcs[k]!, '4883382173..(e9|0f1f440000)');
      // Indirect: mov rcx, [rsi + rdx*8 + 0x138] (bpf_array.ptrs).
      const indirect = countHex(c.funcs[k]!, '488b8cd638010000');
      assert.equal(sites.filter((t) => t.direct).length, direct, `${c.obj} ${c.prog} ${sp.name}: direct`);
      assert.equal(sites.filter((t) => !t.direct).length, indirect, `${c.obj} ${c.prog} ${sp.name}: indirect`);
    });
    assert.deepEqual(
      c.img.pokeSites.map((p) => p.insn),
      c.img.tailCallSites.filter((t) => t.direct).map((t) => t.insn),
    );
    c.img.pokeSites.forEach((p, k) => assert.equal(c.img.insns[p.insn]!.imm, k + 1));
  }
});

test('LD_ABS expands to the skb load helper calls the 6.18 JIT shows', { skip: !haveTestdata && SKIP_REASON }, () => {
  const helpers = new Set<number>(Object.values(INTERNAL_HELPER));
  let seen = 0;
  for (const c of cases()) {
    c.img.subprogs.forEach((_, k) => {
      const ours = insnsOf(c.img, k).filter((i) => i.code === CALL && i.src === 0 && helpers.has(i.imm)).length;
      // test rax, rax; jge +N; xor eax, eax  (`if r0 s>= 0 goto +2; w0 ^= w0; exit`)
      const kernel = countHex(c.funcs[k]!, '4885c07d..31c0');
      assert.equal(ours, kernel, `${c.obj} ${c.prog} func ${k}`);
      seen += ours;
    });
  }
  assert.ok(seen >= 3, 'tailcall_bpf2bpf2/3 contain LD_ABS');
});

test('array map lookups are inlined where the kernel inlined them', { skip: !haveTestdata && SKIP_REASON }, () => {
  for (const c of cases()) {
    c.img.subprogs.forEach((_, k) => {
      const ours = insnsOf(c.img, k).filter((i) => i.code === (BPF_ALU64 | BPF_ADD | BPF_K) && i.dst === 1 && i.imm === 0x138).length;
      assert.equal(ours, countHex(c.funcs[k]!, '4881c738010000'), `${c.obj} ${c.prog} func ${k}`);
    });
  }
});

test('__sk_buff.len reads become loads of sk_buff offset 112, as in the 6.18 bytes', { skip: !haveTestdata && SKIP_REASON }, () => {
  let n = 0;
  for (const c of cases()) {
    c.img.subprogs.forEach((_, k) => {
      const ours = insnsOf(c.img, k).filter((i) => i.code === (BPF_LDX | BPF_MEM | BPF_W) && i.off === 112).length;
      // mov r32, dword [reg + 0x70] (modrm mod=01)
      assert.equal(ours, countHex(c.funcs[k]!, '8b[4-7][0-9a-f]70'), `${c.obj} ${c.prog} func ${k}`);
      n += ours;
    });
  }
  assert.ok(n >= 5);
});
