// Externs resolved as libbpf resolves them (bpf_object__collect_externs /
// bpf_object__resolve_externs) against the modelled Linux 6.18.44: kfunc calls, __ksym
// variables (typed and typeless) and __kconfig values, on small writer-built objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ksymAddress } from '../../src/common/kallsyms.ts';
import { BTF_KIND, findByNameKind } from '../../src/object/btf.ts';
import { loadObject, ObjCode, type BpfObject } from '../../src/object/index.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';
import { BtfWriter } from './btfWriter.ts';
import { insnBytes, writeElf, type WSection, type WSymbol } from './elfWriter.ts';

const AX = 0x6;
const GLOBAL_FUNC = (1 << 4) | 2;
const GLOBAL_NOTYPE = 1 << 4,
  WEAK_NOTYPE = 2 << 4;
const CALL = 0x85,
  EXIT = 0x95,
  MOV = 0xb7,
  LD_IMM64 = 0x18,
  LDX_W = 0x61;
const R_BPF_64_64 = 1,
  R_BPF_64_32 = 10;

const kernelId = (name: string, kind: number): number => findByNameKind(shippedKernelBtf().btf, name, kind)!.id;

function rel(entries: [number, number, number][]): Uint8Array {
  const b = new Uint8Array(entries.length * 16);
  const dv = new DataView(b.buffer);
  entries.forEach(([off, type, sym], i) => {
    dv.setBigUint64(i * 16, BigInt(off), true);
    dv.setUint32(i * 16 + 8, type, true);
    dv.setUint32(i * 16 + 12, sym, true);
  });
  return b;
}

interface Ext {
  name: string;
  weak?: boolean;
  /** Declared as: a kfunc, a typed ksym (u32), a typeless ksym, or a kconfig of a type. */
  as: 'kfunc' | 'ksym' | 'ksym-typeless' | 'kconfig-int' | 'kconfig-u64' | 'kconfig-bool' | 'kconfig-tristate';
}

/**
 * One program per use: `xdp/pN` loads or calls extern N (then `exit`). Sections:
 * [1..n] programs, [n+1..2n] their .rel, then .BTF. Symbols: programs, then externs.
 */
function objectWith(exts: Ext[]): ReturnType<typeof loadObject> {
  const b = new BtfWriter();
  const u32 = b.int('unsigned int', 4);
  const u64 = b.int('unsigned long long', 8);
  const bool = b.int('_Bool', 1, 4);
  const tri = b.enum('libbpf_tristate', [
    ['TRI_NO', 0],
    ['TRI_YES', 1],
    ['TRI_MODULE', 2],
  ]);
  const cvoid = b.constVoid();
  const proto = b.funcProto(u64, [u64]);
  const kcfg: { type: number; offset: number; size: number }[] = [];
  const ksyms: { type: number; offset: number; size: number }[] = [];
  for (const e of exts) {
    if (e.as === 'kfunc') ksyms.push({ type: b.func(e.name, proto, 2), offset: 0, size: 0 });
    else if (e.as === 'ksym') ksyms.push({ type: b.variable(e.name, u32, 2), offset: 0, size: 0 });
    else if (e.as === 'ksym-typeless') ksyms.push({ type: b.variable(e.name, cvoid, 2), offset: 0, size: 0 });
    else {
      const t = { 'kconfig-int': u32, 'kconfig-u64': u64, 'kconfig-bool': bool, 'kconfig-tristate': tri }[e.as];
      kcfg.push({ type: b.variable(e.name, t, 2), offset: 0, size: 0 });
    }
  }
  if (kcfg.length) b.datasec('.kconfig', kcfg);
  if (ksyms.length) b.datasec('.ksyms', ksyms);
  const n = exts.length;
  const secs: WSection[] = [];
  const syms: WSymbol[] = [];
  exts.forEach((e, i) => {
    const code =
      e.as === 'kfunc'
        ? insnBytes([
            [CALL, 0x10, 0, -1],
            [MOV, 0, 0, 0],
            [EXIT, 0, 0, 0],
          ])
        : insnBytes([
            [LD_IMM64, 1, 0, 0],
            [0, 0, 0, 0],
            [LDX_W, 0x01, 0, 0],
            [EXIT, 0, 0, 0],
          ]);
    secs.push({ name: `xdp/p${i}`, type: 1, flags: AX, data: code });
    syms.push({ name: `p${i}`, info: GLOBAL_FUNC, shndx: i + 1, size: code.length });
  });
  exts.forEach((e, i) => {
    // writer order: [null, ...secs, .strtab, .symtab]; symbol 0 is null, programs 1..n, externs n+1..2n
    secs.push({
      name: `.relxdp/p${i}`,
      type: 9,
      data: rel([[0, e.as === 'kfunc' ? R_BPF_64_32 : R_BPF_64_64, n + 1 + i]]),
      entsize: 16,
      info: i + 1,
      link: 2 * n + 3,
    });
  });
  secs.push({ name: '.BTF', type: 1, data: b.bytes() });
  for (const e of exts) syms.push({ name: e.name, info: e.weak ? WEAK_NOTYPE : GLOBAL_NOTYPE, shndx: 0 });
  return loadObject(writeElf(secs, syms), 'ext.o');
}

function loaded(exts: Ext[]): BpfObject {
  const r = objectWith(exts);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

const prog = (o: BpfObject, i: number) => {
  const p = o.programs.find((q) => q.name === `p${i}`);
  assert.ok(p, `p${i} loaded`);
  return p;
};

describe('kfunc calls', () => {
  it('become BPF_PSEUDO_KFUNC_CALL with the vmlinux BTF id and off 0 (vmlinux, not a module)', () => {
    const o = loaded([
      { name: 'bpf_rdonly_cast', as: 'kfunc' },
      { name: 'bpf_task_acquire', as: 'kfunc' },
    ]);
    const c0 = prog(o, 0).insns[0]!,
      c1 = prog(o, 1).insns[0]!;
    assert.deepEqual([c0.src, c0.imm, c0.off], [2, kernelId('bpf_rdonly_cast', BTF_KIND.FUNC), 0]);
    assert.deepEqual([c1.src, c1.imm], [2, kernelId('bpf_task_acquire', BTF_KIND.FUNC)]);
    assert.deepEqual(
      o.externs?.map((e) => [e.name, e.kind]),
      [
        ['bpf_rdonly_cast', 'kfunc'],
        ['bpf_task_acquire', 'kfunc'],
      ],
    );
  });

  it('loads through what bpf_task_acquire returns may fault (a plain PTR_TO_BTF_ID holding a reference); through bpf_obj_new objects they do not', () => {
    const o = loaded([
      { name: 'bpf_task_acquire', as: 'kfunc' },
      { name: 'bpf_obj_new_impl', as: 'kfunc' },
    ]);
    assert.deepEqual(o.externs?.map((e) => [e.name, e.retBtf]).sort(), [
      ['bpf_obj_new_impl', 'trusted'],
      ['bpf_task_acquire', 'acquired'],
    ]);
  });

  it('an unknown __weak kfunc keeps imm 0 (the verifier accepts it only in dead code)', () => {
    const c = prog(loaded([{ name: 'bpf_no_such_kfunc', as: 'kfunc', weak: true }]), 0).insns[0]!;
    assert.deepEqual([c.src, c.imm], [2, 0]);
  });

  it('an unknown strong kfunc refuses only the programs calling it, naming the extern and the instruction', () => {
    const o = loaded([
      { name: 'bpf_no_such_kfunc', as: 'kfunc' },
      { name: 'bpf_rdonly_cast', as: 'kfunc' },
    ]);
    assert.deepEqual(
      o.programs.map((p) => p.name),
      ['p1'],
    );
    const r = o.rejected!.find((p) => p.name === 'p0')!;
    assert.equal(r.error.code, ObjCode.externBad);
    assert.match(r.error.message, /extern 'bpf_no_such_kfunc': kernel function not found in the kernel's BTF/);
    assert.deepEqual([r.error.place.section, r.error.place.insn], ['xdp/p0', 0]);
  });
});

describe('__ksym variables', () => {
  it('typed: ld_imm64 src BPF_PSEUDO_BTF_ID with the vmlinux VAR id', () => {
    const p = prog(loaded([{ name: 'bpf_prog_active', as: 'ksym' }]), 0);
    assert.deepEqual([p.insns[0]!.src, p.insns[0]!.imm, p.insns[1]!.imm], [3, kernelId('bpf_prog_active', BTF_KIND.VAR), 0]);
  });

  it('typeless: a plain ld_imm64 of the kallsyms address', () => {
    const p = prog(loaded([{ name: 'bpf_fentry_test1', as: 'ksym-typeless' }]), 0);
    const addr = ksymAddress(kernelId('bpf_fentry_test1', BTF_KIND.FUNC));
    const got = (BigInt(p.insns[1]!.imm >>> 0) << 32n) | BigInt(p.insns[0]!.imm >>> 0);
    assert.deepEqual([p.insns[0]!.src, got], [0, addr]);
  });

  it('an unknown __weak one loads 0', () => {
    const p = prog(loaded([{ name: 'no_such_symbol', as: 'ksym', weak: true }]), 0);
    assert.deepEqual([p.insns[0]!.src, p.insns[0]!.imm, p.insns[1]!.imm], [0, 0, 0]);
  });
});

describe('__kconfig values', () => {
  const o = loaded([
    { name: 'CONFIG_HZ', as: 'kconfig-int' },
    { name: 'LINUX_KERNEL_VERSION', as: 'kconfig-int' },
    { name: 'CONFIG_BPF_SYSCALL', as: 'kconfig-bool' },
    { name: 'CONFIG_BPF_JIT', as: 'kconfig-tristate' },
    { name: 'CONFIG_NOT_IN_THIS_KERNEL', as: 'kconfig-u64', weak: true },
    { name: 'LINUX_HAS_BPF_COOKIE', as: 'kconfig-bool' },
  ]);
  const kmap = o.maps.find((m) => m.section === '.kconfig')!;

  it('live in a read-only `<obj>.kconfig` ARRAY map after the global-data maps', () => {
    assert.deepEqual([kmap.name, kmap.type, kmap.kind, kmap.maxEntries, kmap.index], ['ext.kconfig', 2, 'rodata', 1, o.maps.length - 1]);
  });

  it('are laid out by alignment (descending), then size, then name, and loaded through PSEUDO_MAP_VALUE', () => {
    // u64 (align 8) first; then the 4-byte ones by name (tristate CONFIG_BPF_JIT, CONFIG_HZ,
    // LINUX_KERNEL_VERSION); then the 1-byte bools by name.
    const offOf = (i: number) => {
      const p = prog(o, i);
      assert.deepEqual([p.insns[0]!.src, p.insns[0]!.imm], [2, kmap.index]);
      return p.insns[1]!.imm;
    };
    assert.deepEqual([4, 3, 0, 1, 2, 5].map(offOf), [0, 8, 12, 16, 20, 21]);
  });

  it('hold the modelled kernel values: CONFIG_HZ, KERNEL_VERSION(6, 18, 44), y, tristate y, weak unknown 0, libbpf feature 1', () => {
    const v = new DataView(kmap.initialValue!.buffer, kmap.initialValue!.byteOffset);
    assert.deepEqual(
      [v.getUint32(12, true), v.getUint32(16, true), kmap.initialValue![20], v.getUint32(8, true), v.getBigUint64(0, true), kmap.initialValue![21]],
      [1000, (6 << 16) + (18 << 8) + 44, 1, 1, 0n, 1],
    );
    assert.equal(kmap.valueSize, 22);
  });

  it('an unknown strong CONFIG_ refuses the program using it, naming the extern', () => {
    const r = objectWith([{ name: 'CONFIG_NOT_IN_THIS_KERNEL', as: 'kconfig-int' }]);
    assert.ok(!r.ok);
    assert.equal(r.error.code, ObjCode.externBad);
    assert.match(r.error.message, /extern 'CONFIG_NOT_IN_THIS_KERNEL': not set in the kernel configuration of Linux 6\.18\.44/);
  });
});
