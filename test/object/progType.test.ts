import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progTypeOf } from '../../src/object/index.ts';

describe('progTypeOf (libbpf section_defs)', () => {
  it('maps common SEC names to program types', () => {
    const cases: [string, string][] = [
      ['socket', 'socket_filter'],
      ['tc', 'sched_cls'],
      ['tc/ingress', 'sched_cls'],
      ['classifier/0', 'sched_cls'],
      ['action', 'sched_act'],
      ['xdp', 'xdp'],
      ['xdp.frags', 'xdp'],
      ['kprobe/do_sys_open', 'kprobe'],
      ['tp/syscalls/sys_enter_open', 'tracepoint'],
      ['raw_tp/sys_enter', 'raw_tracepoint'],
      ['perf_event', 'perf_event'],
      ['fentry/foo', 'tracing'],
      ['fexit/foo', 'tracing'],
      ['freplace/foo', 'ext'],
      ['lsm/file_open', 'lsm'],
      ['syscall', 'syscall'],
      ['struct_ops/x', 'struct_ops'],
    ];
    for (const [sec, type] of cases) assert.equal(progTypeOf(sec).progType, type, sec);
  });

  it('treats exact-only names as exact: `xdpfoo` and `socket/1` are unknown', () => {
    assert.equal(progTypeOf('xdpfoo').progType, 'unspec');
    assert.equal(progTypeOf('socket/1').progType, 'unspec');
    assert.equal(progTypeOf('fentryx/foo').progType, 'unspec');
  });

  it('reads the attach kind and target of tracing and ext sections', () => {
    assert.deepEqual(progTypeOf('fentry/subprog_tail').attach, { kind: 'fentry', target: 'subprog_tail' });
    assert.deepEqual(progTypeOf('fmod_ret/x').attach, { kind: 'fmod_ret', target: 'x' });
    assert.deepEqual(progTypeOf('freplace').attach, { kind: 'freplace' });
    assert.equal(progTypeOf('tc').attach, undefined);
  });

  it("turns a leading '?' into autoload off and strips it", () => {
    assert.deepEqual(progTypeOf('?tc'), { section: 'tc', autoload: false, progType: 'sched_cls' });
    assert.equal(progTypeOf('tc').autoload, true);
  });
});
