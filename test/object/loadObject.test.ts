import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lineAt, loadObject, loadObjectFile, MapType, objectName, type BpfObject } from '../../src/object/index.ts';
import { expectedObjects, haveTestdata, objDir, psBasicPath, readBytes, SKIP_REASON } from './testdata.ts';

const MAP_TYPES: Record<string, number> = {
  BPF_MAP_TYPE_ARRAY: MapType.ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY: MapType.PROG_ARRAY,
  BPF_MAP_TYPE_HASH: MapType.HASH,
};

function load(p: string): BpfObject {
  const r = loadObjectFile(p);
  assert.ok(r.ok, r.ok ? 'loaded' : `${p}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe('loadObject on the kernel tail-call selftest objects', { skip: haveTestdata ? false : SKIP_REASON }, () => {
  const expected = haveTestdata ? expectedObjects() : {};
  it('covers all 21 objects of expected.json', () => {
    assert.equal(Object.keys(expected).length, 21);
  });

  for (const [name, exp] of Object.entries(expected)) {
    describe(name, () => {
      const obj = load(path.join(objDir, `${name}.o`));

      it('names the object after the file basename and reads the GPL license', () => {
        assert.equal(obj.name, name);
        assert.equal(obj.license, 'GPL');
        assert.equal(obj.littleEndian, true);
        assert.equal(obj.bytes.length, readBytes(path.join(objDir, `${name}.o`)).length);
      });

      it('finds the entry programs with their sections, offsets and lengths, in (section, offset) order', () => {
        const got = obj.programs.map((p) => ({
          name: p.name,
          section: (p.autoload ? '' : '?') + p.section,
          offset: p.funcs[0]!.sectionInsn * 8,
          insns: p.funcs[0]!.len,
        }));
        assert.deepEqual(got, exp.programs);
      });

      it('lists the .text subprograms', () => {
        const got = obj.subprograms.map((s) => ({ name: s.name, section: '.text', offset: s.sectionInsn * 8, insns: s.len }));
        assert.deepEqual(got, exp.subprograms);
      });

      it('decodes BTF-defined maps with type, sizes, max_entries and prog_array initialisers', () => {
        const user = obj.maps.filter((m) => m.kind === 'user');
        const got = user
          .map((m) => {
            const e: Record<string, unknown> = {
              name: m.name,
              type: m.type,
              max_entries: m.maxEntries,
              key_size: m.keySize,
              value_size: m.valueSize,
            };
            if (m.initSlots) e.static_init = m.initSlots.map((s) => ({ key: s.slot, prog: s.prog }));
            return e;
          })
          .sort((a, b) => String(a.name).localeCompare(String(b.name)));
        const want = exp.maps.map((m) => ({ ...m, type: MAP_TYPES[m.type] })).sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(got, want);
        obj.maps.forEach((m, i) => assert.equal(m.index, i));
      });

      it('makes one internal ARRAY map per global-data section, named as libbpf names it', () => {
        const data = obj.maps.filter((m) => m.kind !== 'user');
        const sections = [...new Set(exp.globals.map((g) => g.section))];
        assert.deepEqual(
          data.map((m) => m.section),
          sections,
        );
        for (const m of data) {
          assert.equal(m.name, `${name.slice(0, 8)}${m.section}`);
          assert.equal(m.type, MapType.ARRAY);
          assert.equal(m.maxEntries, 1);
          assert.equal(m.keySize, 4);
          assert.equal(m.initialValue?.length, m.valueSize);
        }
      });

      it('lists the global variables with section, offset and size', () => {
        const got = obj.globals.map((g) => ({ name: g.name, section: g.section, offset: g.offset, size: g.size }));
        assert.deepEqual(got, exp.globals);
        for (const g of obj.globals) assert.equal(obj.maps[g.mapIndex]!.section, g.section);
      });

      it('has line info at every function start and a source line for every linked instruction', () => {
        for (const p of obj.programs) {
          const starts = new Set(p.lineInfo.map((l) => l.insn as number));
          for (const f of p.funcs) assert.ok(starts.has(f.start), `${p.name}: no line info at ${f.name} (insn ${f.start})`);
          for (let i = 0; i < p.insns.length; i++) {
            const l = lineAt(p, i);
            // The selftest objects' BTF carries empty line texts (their sources were gone at
            // build time); file and line are always there.
            // Line 0 marks compiler-generated code, as in DWARF.
            assert.ok(l && l.file.length > 0 && l.line >= 0 && typeof l.text === 'string', `${p.name} insn ${i} has no source`);
            if (l.line > 0) assert.equal(obj.sources.get(l.file)?.get(l.line), l.text, `${l.file}:${l.line} missing from sources`);
          }
          for (let k = 1; k < p.lineInfo.length; k++) assert.ok(p.lineInfo[k - 1]!.insn <= p.lineInfo[k]!.insn, 'line info is sorted');
        }
      });
    });
  }
});

describe('loadObject details', { skip: haveTestdata ? false : SKIP_REASON }, () => {
  it('derives the object name from the basename up to the first dot', () => {
    assert.equal(objectName('/a/b.c/tailcall3.bpf.o'), 'tailcall3');
    assert.equal(objectName('prog'), 'prog');
  });

  it("names tailcall3's .bss map 'tailcall.bss' and keeps its zero initial value", () => {
    const obj = load(path.join(objDir, 'tailcall3.o'));
    const bss = obj.maps.find((m) => m.section === '.bss')!;
    assert.equal(bss.name, 'tailcall.bss');
    assert.deepEqual([...bss.initialValue!], [0, 0, 0, 0]);
    assert.equal(bss.flags & 0x400, 0x400, 'non-static globals make the map mmapable');
  });

  it('turns SEC("?...") into autoload off without the question mark', () => {
    const obj = load(path.join(objDir, 'tailcall_poke.o'));
    const test = obj.programs.find((p) => p.name === 'test')!;
    assert.equal(test.autoload, false);
    assert.equal(test.section, 'fentry/bpf_fentry_test1');
    assert.equal(test.progType, 'tracing');
    assert.deepEqual(test.attach, { kind: 'fentry', target: 'bpf_fentry_test1' });
    assert.equal(obj.programs.find((p) => p.name === 'call1')!.autoload, true);
  });

  it('classifies tc, freplace and raw_tp programs', () => {
    assert.equal(load(path.join(objDir, 'tc_dummy.o')).programs[0]!.progType, 'sched_cls');
    const fr = load(path.join(objDir, 'tailcall_freplace.o')).programs[0]!;
    assert.equal(fr.progType, 'ext');
    assert.deepEqual(fr.attach, { kind: 'freplace' });
    assert.equal(load(psBasicPath).programs[0]!.progType, 'raw_tracepoint');
  });

  it('appends the static subprogram of ps_basic.o and points the call at it', () => {
    const obj = load(psBasicPath);
    const big = obj.programs[0]!;
    assert.deepEqual(
      big.funcs.map((f) => [f.name, f.section, f.global]),
      [
        ['big', 'raw_tp/sys_enter', true],
        ['sub', '.text', false],
      ],
    );
    const sub = big.funcs[1]!;
    const calls = big.insns.map((x, i) => [x, i] as const).filter(([x]) => x.code === 0x85 && x.src === 1);
    assert.equal(calls.length, 1);
    const [call, at] = calls[0]!;
    assert.equal(at + call.imm + 1, sub.start);
    assert.equal(sub.start, big.funcs[0]!.len);
    assert.ok(
      big.funcs.every((f) => f.btfFuncId !== undefined),
      'func_info gives every function a BTF FUNC id',
    );
    assert.deepEqual(obj.subprograms, [{ name: 'sub', sectionInsn: 0, len: sub.len, global: false }]);
  });

  it('reads source lines from BTF, e.g. the SEC line of ps_basic.c', () => {
    const obj = load(psBasicPath);
    const [file, lines] = [...obj.sources][0]!;
    assert.match(file, /ps_basic\.c$/);
    assert.match(lines.get(5) ?? '', /buf\[3\] = 7/);
    const first = lineAt(obj.programs[0]!, 0)!;
    assert.deepEqual([first.file, first.line], [file, 5]);
  });

  it('links subprograms per program in libbpf append order (hierarchy2: tail0 then tail1)', () => {
    const obj = load(path.join(objDir, 'tailcall_bpf2bpf_hierarchy2.o'));
    const p = obj.programs.find((x) => x.name === 'tailcall_bpf2bpf_hierarchy_2')!;
    assert.deepEqual(
      p.funcs.map((f) => [f.name, f.start as number]),
      [
        ['tailcall_bpf2bpf_hierarchy_2', 0],
        ['subprog_tail0', 15],
        ['subprog_tail1', 23],
      ],
    );
  });

  it('rewrites global-data loads to PSEUDO_MAP_VALUE with the variable offset in slot 2', () => {
    const obj = load(path.join(objDir, 'tailcall_bpf2bpf_hierarchy2.o'));
    const bss = obj.maps.find((m) => m.section === '.bss')!;
    const p = obj.programs.find((x) => x.name === 'classifier_1')!;
    assert.deepEqual([p.insns[0]!.src, p.insns[0]!.imm, p.insns[1]!.imm], [2, bss.index, 4]);
  });

  it('returns the bytes it was given', () => {
    const bytes = readBytes(psBasicPath);
    const r = loadObject(bytes, 'ps_basic.o');
    assert.ok(r.ok, 'ps_basic.o loads');
    assert.equal(r.value.bytes, bytes);
    assert.equal(r.value.path, 'ps_basic.o');
  });

  it('reports an unreadable file as a Diag naming it', () => {
    const r = loadObjectFile('/nonexistent/x.o');
    assert.ok(!r.ok, 'a missing file is an error');
    assert.equal(r.error.code, 'object.read-failed');
    assert.equal(r.error.place.file, '/nonexistent/x.o');
  });
});
