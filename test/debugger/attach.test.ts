// Sessions with several objects: an fentry program stopped at a breakpoint shows the
// trampoline between it and the traced function in bt (x86-64 and RISC-V), an fexit
// trampoline calling the original body, an freplace attach/detach changing which code a
// run executes, names qualified as OBJ:NAME only where ambiguous, and gdb-like errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SENTINEL_ADDR } from '../../src/common/layout.ts';
import type { LaunchOptions } from '../../src/debugger/target/launch.ts';
import type { Session } from '../../src/debugger/session.ts';
import { exec, have, openAt, outText, SELFTESTS } from './fixture.ts';

const obj = (n: string): string => join(SELFTESTS, `${n}.o`);
const skip = have(obj('tailcall_bpf2bpf_fentry')) ? false : 'kernel selftest objects not available';
const BUF = new Uint8Array(128);

/** tailcall_bpf2bpf_fentry's selftest: classifier_0 tail-calls itself from subprog_tail; fentry counts subprog_tail calls. */
const fentrySession = (extra: LaunchOptions = {}): Promise<Session> =>
  openAt(
    obj('tailcall_bpf2bpf2'),
    {
      prog: 'entry',
      mapUpdates: [{ map: 'jmp_table', key: 0, prog: 'classifier_0' }],
      setup: [
        {
          op: 'load',
          file: obj('tailcall_bpf2bpf_fentry'),
          targets: [{ prog: 'fentry', target: { prog: 'classifier_0', func: 'subprog_tail' } }],
          attach: ['fentry'],
        },
      ],
      ...extra,
    },
    BUF,
  );

const errorOf = async (s: Session, c: string): Promise<string> => {
  const r = await s.execute(c);
  assert.equal(r.ok, false, `'${c}' should fail`);
  return r.error!.message;
};

test(
  'x86-64 fentry: break in the fentry program; bt shows fentry <- trampoline <- subprog_tail at its patched entry <- classifier_0; continue; info links',
  { skip },
  async () => {
    const s = await fentrySession();
    assert.match(
      s
        .view()
        .output.map((l) => l.text)
        .join('\n'),
      /Link 1: fentry runs before subprog_tail of classifier_0 \(fentry, trampoline bpf_trampoline_\d+\)/,
    );
    const r = await exec(s, 'break fentry', 'run');
    assert.deepEqual(r.view.stop, { kind: 'breakpoint', id: 1, hits: 1 });
    const f = r.view.frames;
    assert.deepEqual(
      f.map((x) => x.func),
      ['fentry', f[1]!.trampoline!.symbol, 'subprog_tail', 'classifier_0'],
    );
    assert.equal(f[0]!.object, 'tailcall_bpf2bpf_fentry');
    assert.deepEqual(f[1]!.trampoline && { ...f[1]!.trampoline, addr: '', symbol: '' }, {
      symbol: '',
      addr: '',
      target: { program: 'classifier_0', func: 'subprog_tail' },
      phase: 'fentry',
      fentry: ['fentry'],
      fexit: [],
      fmodRet: [],
    });
    assert.equal(f[2]!.atPatchSite, true);
    assert.equal(f[2]!.nativeAddr, r.view.links![0]!.target.addr, 'the traced function waits at its entry, the patch site');
    assert.equal(f[3]!.replaced.length, 1, 'classifier_0 was tail-called from entry');
    for (let k = 1; k < f.length; k++) assert.ok(BigInt(f[k]!.fp) > BigInt(f[k - 1]!.fp), `fp grows outwards (frame ${k})`);
    const bt = outText(await exec(s, 'bt'));
    assert.match(
      bt,
      /#1 {2}0x[0-9a-f]+ in bpf_trampoline_\d+ \[trampoline of subprog_tail \(classifier_0\): fentry fentry; running fentry before subprog_tail\]/,
    );
    assert.match(bt, /#2 {2}0x[0-9a-f]+ in subprog_tail \(classifier_0:-\) \[entry: its patch site called the trampoline\]/);
    const dis = outText(await exec(s, 'frame 1', 'disassemble'));
    assert.match(dis, /^bpf_trampoline_\d+: trampoline of subprog_tail \(classifier_0\)\n/);
    assert.match(dis, /call 0x[0-9a-f]+ <fentry\+0x0>/, 'the trampoline calls the fentry program');
    await exec(s, 'frame 0');
    // Names resolve in the selected frame's object first: fentry's count, then (up 2) the main one.
    assert.equal(outText(await exec(s, 'print count')), '$ = 0');
    assert.equal(outText(await exec(s, 'up 2', 'print count')), '$ = 1');
    assert.equal(outText(await exec(s, 'print tailcall_bpf2bpf_fentry:count')), '$ = 0');
    const c = await exec(s, 'continue');
    assert.deepEqual(c.view.stop, { kind: 'breakpoint', id: 1, hits: 2 });
    assert.equal(outText(await exec(s, 'print count')), '$ = 1');
    assert.match(
      outText(await exec(s, 'info links')),
      /^1: fentry \(fentry\) -> subprog_tail of classifier_0 {2}site 0x[0-9a-f]+: call bpf_trampoline_\d+\+0x0$/,
    );
    assert.match(
      outText(await exec(s, 'info pokes')),
      /attach site subprog_tail \(classifier_0\) 0x[0-9a-f]+: e8 [0-9a-f ]+ {2}call bpf_trampoline_\d+\+0x0\n {4}bpf_trampoline_\d+ at 0x[0-9a-f]+ \(\d+ bytes\): fentry fentry/,
    );
    const end = await exec(s, 'delete', 'continue');
    assert.equal(end.view.stop?.kind, 'exit');
    // The selftest's expectations: 33 classifier_0 runs, and fentry saw each of them.
    assert.equal(outText(await exec(s, 'print tailcall_bpf2bpf2:count')), '$ = 33');
    assert.equal(outText(await exec(s, 'print tailcall_bpf2bpf_fentry:count')), '$ = 33');
    s.dispose();
  },
);

test('x86-64 fexit: in the original body the trampoline is the caller; in the fexit program the function has returned', { skip }, async () => {
  const s = await openAt(
    obj('tailcall_bpf2bpf_hierarchy1'),
    {
      prog: 'entry',
      setup: [
        { op: 'load', file: obj('tailcall_bpf2bpf_fexit'), name: 'fx', targets: [{ prog: 'fexit', target: { prog: 'entry', func: 'subprog_tail' } }] },
        { op: 'attach', prog: 'fx:fexit' },
      ],
    },
    BUF,
  );
  const inBody = await exec(s, 'break subprog_tail', 'run');
  const f = inBody.view.frames;
  assert.deepEqual(
    f.map((x) => [x.func, x.trampoline?.phase ?? null]),
    [
      ['subprog_tail', null],
      [f[1]!.func, 'original'],
      ['entry', null],
    ],
  );
  assert.deepEqual(f[1]!.trampoline!.fexit, ['fexit']);
  const inFexit = await exec(s, 'delete', 'break fexit', 'continue');
  const g = inFexit.view.frames;
  assert.deepEqual(
    g.map((x) => [x.func, x.trampoline?.phase ?? null]),
    [
      ['fexit', null],
      [g[1]!.func, 'fexit'],
      ['entry', null],
    ],
  );
  assert.match(outText(await exec(s, 'bt 2')), /subprog_tail returned, running fexit\]$/);
  s.dispose();
});

for (const arch of ['x86_64', 'riscv64'] as const)
  test(
    `${arch}: at every machine instruction through fentry and fexit trampolines the frames end at the sentinel and fp grows outwards`,
    { skip },
    async () => {
      // jmp_table stays empty: subprog_tail's tail call falls through and the run is short.
      const s = await openAt(
        obj('tailcall_bpf2bpf2'),
        {
          prog: 'classifier_0',
          arch,
          ...(arch === 'riscv64' ? { profile: 'tcc-on-stack' } : {}),
          setup: [
            {
              op: 'load',
              file: obj('tailcall_bpf2bpf_fentry'),
              targets: [{ prog: 'fentry', target: { prog: 'classifier_0', func: 'subprog_tail' } }],
              attach: ['fentry'],
            },
            {
              op: 'load',
              file: obj('tailcall_bpf2bpf_fexit'),
              targets: [{ prog: 'fexit', target: { prog: 'classifier_0', func: 'subprog_tail' } }],
              attach: ['fexit'],
            },
          ],
        },
        BUF,
      );
      await exec(s, 'start');
      const phases = new Set<string>();
      let inTramp = 0;
      for (let steps = 0; s.runState === 'stopped'; steps++) {
        assert.ok(steps < 20000, 'the run ends');
        s.invalidateFrames();
        const fr = s.frames();
        const m = s.target.machine;
        // x86: in the return thunk on the way back to the kernel no BPF frame is left.
        const leaving = arch === 'x86_64' && !s.target.index.lookup(m.pc) && !s.target.trampolineAt(m.pc) && m.readU64(m.readReg('rsp')) === SENTINEL_ADDR;
        if (!leaving) {
          assert.ok(fr.length >= 1, `no frame at step ${steps}`);
          assert.equal(
            fr.at(-1)!.returnAddr,
            SENTINEL_ADDR,
            `outermost frame at step ${steps} (pc 0x${m.pc.toString(16)}: ${fr.map((f) => (f.tramp ? `T${f.tramp.phase}` : f.pos?.func.name)).join(' < ')})`,
          );
          for (let k = 1; k < fr.length; k++) assert.ok(fr[k]!.fp > fr[k - 1]!.fp, `fp order at step ${steps}`);
        }
        for (const f of fr) if (f.tramp) phases.add(f.tramp.phase);
        if (fr[0]?.tramp) inTramp++;
        if (s.rc.stepi().kind === 'exited') break;
      }
      assert.deepEqual([...phases].sort(), ['fentry', 'fexit', 'original']);
      assert.ok(inTramp > 10, 'stepped through the trampoline itself');
      s.dispose();
    },
  );

test('freplace: attach makes runs execute entry_freplace instead of subprog_tc; detach brings subprog_tc back', { skip }, async () => {
  const s = await openAt(
    obj('tc_bpf2bpf'),
    {
      prog: 'entry_tc',
      setup: [{ op: 'load', file: obj('tailcall_freplace'), targets: [{ prog: 'entry_freplace', target: { prog: 'entry_tc', func: 'subprog_tc' } }] }],
    },
    BUF,
  );
  const before = await exec(s, 'break subprog_tc', 'break entry_freplace', 'run');
  assert.equal(before.view.location!.func, 'subprog_tc', 'the original runs');
  const a = await exec(s, 'kill', 'attach entry_freplace');
  assert.equal(outText(a), `Link 1: entry_freplace replaces subprog_tc of entry_tc (jmp at ${a.view.links![0]!.target.addr})`);
  assert.equal(a.view.links![0]!.site.asm, 'jmp entry_freplace+0x0');
  const during = await exec(s, 'run');
  assert.equal(during.view.location!.func, 'entry_freplace');
  assert.deepEqual(
    during.view.frames.map((f) => [f.func, f.replacing]),
    [
      ['entry_freplace', { program: 'entry_tc', func: 'subprog_tc' }],
      ['entry_tc', null],
    ],
  );
  assert.match(outText(await exec(s, 'bt')), /in entry_freplace .* \[freplace of subprog_tc \(entry_tc\)\]/);
  const done = await exec(s, 'continue');
  assert.deepEqual(done.view.stop, { kind: 'exit', retval: '0x1', retvalSigned: '1' });
  assert.equal(outText(await exec(s, 'print count')), '$ = 1');
  const d = await exec(s, 'detach entry_freplace');
  assert.equal(outText(d), 'Link 1 detached: entry_freplace no longer replaces subprog_tc of entry_tc');
  assert.equal(d.view.links!.length, 0);
  assert.equal((await exec(s, 'run')).view.location!.func, 'subprog_tc', 'the original runs again');
  // 6.13+: an extended program cannot enter a prog_array, nor a prog_array member be extended.
  await exec(s, 'kill', 'map update jmp_table 0 entry_tc');
  assert.match(await errorOf(s, 'attach entry_freplace'), /entry_tc is in a prog_array.*\(EBUSY\)/);
  s.dispose();
});

test('names from every object work in break, map, print and set; OBJ:NAME only where a name is ambiguous', { skip }, async () => {
  const s = await fentrySession();
  // Both objects have `count` in a map named tailcall.bss: the view qualifies the map names.
  assert.deepEqual(
    s.view().maps.map((m) => [m.object, m.name]),
    [
      ['tailcall_bpf2bpf2', 'jmp_table'],
      ['tailcall_bpf2bpf2', 'tailcall_bpf2bpf2:tailcall.bss'],
      ['tailcall_bpf2bpf_fentry', 'tailcall_bpf2bpf_fentry:tailcall.bss'],
    ],
  );
  // Outside any frame the main object comes first (gdb: the executable before libraries).
  await exec(s, 'set var count = 7', 'set var tailcall_bpf2bpf_fentry:count = 9');
  assert.equal(outText(await exec(s, 'print count')), '$ = 7');
  assert.equal(outText(await exec(s, 'print tailcall_bpf2bpf_fentry:count')), '$ = 9');
  assert.match(
    outText(await exec(s, 'map dump tailcall_bpf2bpf_fentry:tailcall.bss')),
    /^tailcall_bpf2bpf_fentry:tailcall\.bss: array .*\n {4}u32 +count = 9$/,
  );
  assert.match(outText(await exec(s, 'break tailcall_bpf2bpf_fentry:fentry')), /^Breakpoint 1 at tailcall_bpf2bpf_fentry:fentry /);
  assert.match(await errorOf(s, 'break nosuch:fentry'), /no object 'nosuch' \(objects: tailcall_bpf2bpf2, tailcall_bpf2bpf_fentry\)/);
  s.dispose();
  // Neither the main object nor a frame has `count`: two others do.
  const t = await openAt(
    obj('tc_dummy'),
    {
      setup: [
        { op: 'load', file: obj('tailcall_bpf2bpf_fentry') },
        { op: 'load', file: obj('tailcall_bpf2bpf_fexit') },
      ],
    },
    BUF,
  );
  assert.match(
    await errorOf(t, 'print count'),
    /^global 'count' is in tailcall_bpf2bpf_fentry and tailcall_bpf2bpf_fexit: say tailcall_bpf2bpf_fentry:count or tailcall_bpf2bpf_fexit:count$/,
  );
  assert.equal(outText(await exec(t, 'print tailcall_bpf2bpf_fexit:count')), '$ = 0');
  // fentry/subprog_tail: no loaded program has subprog_tail, so its target is a kernel function.
  assert.match(
    await errorOf(t, 'attach fentry'),
    /^fentry has no attach target: subprog_tail \(from section fentry\/subprog_tail\) is in no loaded BPF program: a kernel function, not modelled here$/,
  );
  t.dispose();
});

test('attach, detach, load and unload say what is wrong in one line, as gdb would', { skip }, async () => {
  const s = await fentrySession();
  assert.match(await errorOf(s, 'attach entry'), /^entry is a sched_cls program: only fentry, fexit, fmod_ret and freplace programs attach to BPF functions$/);
  assert.match(await errorOf(s, 'attach fentry'), /fentry is already attached to subprog_tail \(EBUSY\)/);
  assert.match(
    await errorOf(s, 'attach fentry entry:entry'),
    /fentry was loaded for subprog_tail of classifier_0; only freplace programs take another target at attach \(EINVAL\)/,
  );
  assert.match(await errorOf(s, 'detach 7'), /^no link 7 \(info links lists them\)$/);
  assert.match(await errorOf(s, 'unload tailcall_bpf2bpf2'), /main object: it cannot be unloaded/);
  assert.match(await errorOf(s, `load ${obj('nosuch')}`), /no such file/);
  // FUNC from the section name: subprog_tail is only in classifier_0 here.
  const l = await exec(s, `attach fx=${obj('tailcall_bpf2bpf_fexit')}`);
  // (The failed attaches above used up link ids, as bpf_link_prime's cyclic idr does.)
  assert.match(
    outText(l),
    /^Loaded fx from .*tailcall_bpf2bpf_fexit\.o: programs fexit; maps tailcall\.bss\nLink (\d+): fexit runs after subprog_tail of classifier_0 \(fexit, trampoline bpf_trampoline_\d+\)$/,
  );
  const id = l.view.links![1]!.id;
  assert.deepEqual(
    l.view.links!.map((k) => [k.kind, k.trampoline!.fentry, k.trampoline!.fexit]),
    [
      ['fentry', ['fentry'], ['fexit']],
      ['fexit', ['fentry'], ['fexit']],
    ],
  );
  const u = await exec(s, 'unload fx');
  assert.equal(outText(u), `Link ${id} detached: fexit no longer runs after subprog_tail of classifier_0\nUnloaded fx`);
  assert.deepEqual(
    u.view.links!.map((k) => [k.kind, k.trampoline!.fentry, k.trampoline!.fexit]),
    [['fentry', ['fentry'], []]],
  );
  assert.deepEqual(
    u.view.objects!.map((o) => o.name),
    ['tailcall_bpf2bpf2', 'tailcall_bpf2bpf_fentry'],
  );
  s.dispose();
});

test('riscv64 fentry (tcc-on-stack): bt shows fentry <- trampoline <- subprog_tail at its patched entry <- classifier_0', { skip }, async () => {
  const s = await fentrySession({ arch: 'riscv64', profile: 'tcc-on-stack' });
  const r = await exec(s, 'break fentry', 'run');
  assert.equal(r.view.arch, 'riscv64');
  const f = r.view.frames;
  assert.deepEqual(
    f.map((x) => [x.func.replace(/^bpf_trampoline_\d+$/, 'bpf_trampoline_N'), x.trampoline?.phase ?? null, x.atPatchSite ?? false]),
    [
      ['fentry', null, false],
      ['bpf_trampoline_N', 'fentry', false],
      ['subprog_tail', null, true],
      ['classifier_0', null, false],
    ],
  );
  for (let k = 1; k < f.length; k++) assert.ok(BigInt(f[k]!.fp) > BigInt(f[k - 1]!.fp), `fp grows outwards (frame ${k})`);
  assert.match(r.view.links![0]!.site.asm, /^call bpf_trampoline_\d+\+0x0$/);
  const end = await exec(s, 'delete', 'continue');
  assert.equal(end.view.stop?.kind, 'exit');
  assert.equal(outText(await exec(s, 'print tailcall_bpf2bpf_fentry:count')), '$ = 33');
  s.dispose();
});

test('a map pinned by name (LIBBPF_PIN_BY_NAME) is pinned by the first load and reused by the next, as libbpf does', async () => {
  const ex = (n: string): string => join(import.meta.dirname, '../../examples', `${n}.o`);
  const s = await openAt(ex('subprog_tail'), { setup: [{ op: 'load', file: ex('trace_classify'), attach: 'all' }] });
  assert.match(
    s
      .view()
      .output.map((l) => l.text)
      .join('\n'),
    /Pinned map trace_classify:classify_calls at \/sys\/fs\/bpf\/classify_calls/,
  );
  await exec(s, 'run', `load t2=${ex('trace_classify')}`, 'attach t2:on_classify', 'run');
  const v = s.view();
  assert.deepEqual(v.pins, [{ path: '/sys/fs/bpf/classify_calls', map: 'classify_calls' }]);
  // One map for both objects: two runs of the first fentry, one of t2's, two fexits.
  const calls = v.maps.filter((m) => m.name === 'classify_calls');
  assert.equal(calls.length, 1);
  assert.deepEqual(
    calls[0]!.entries!.map((e) => [e.keyNum, e.valueNum]),
    [
      ['0', '3'],
      ['1', '2'],
    ],
  );
  assert.match(outText(await exec(s, 'unpin /sys/fs/bpf/classify_calls')), /^Unpinned \/sys\/fs\/bpf\/classify_calls$/);
  // Nothing pinned there now: a third load creates (and pins) its own map.
  await exec(s, `load t3=${ex('trace_classify')}`);
  assert.equal(s.view().maps.filter((m) => m.name.endsWith('classify_calls')).length, 2);
  s.dispose();
});
