// Which kernel-struct pointer loads stay plain (btfTrust.ts, check_ptr_to_btf_access 6.18):
// fields the verifier lists as safe keep a walked pointer trusted (or MEM_RCU in an RCU
// read section), other fields give a plain PTR_TO_BTF_ID whose loads become PROBE_MEM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldTrusted, ptrFieldAt } from '../../src/analysis/btfTrust.ts';
import { btfFieldLoc } from '../../src/analysis/kernelLayout.ts';
import { BPF_PROBE_MEM, memMode } from '../../src/bpf/opcodes.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';
import { analyzeOk } from './progs.ts';

const btf = shippedKernelBtf().btf;
const offOf = (st: string, member: string): number => btfFieldLoc(btf, `${st}.${member}`)!.off;

test('struct fields the verifier lists, or tags __rcu, keep trust inside an RCU read section only', () => {
  const kn = ptrFieldAt(btf, 'cgroup', offOf('cgroup', 'kn'))!;
  assert.deepEqual(kn, { name: 'kn', pointee: 'kernfs_node', rcuTag: false });
  assert.equal(fieldTrusted('cgroup', kn, true), true, 'BTF_TYPE_SAFE_RCU(struct cgroup) { kn }');
  assert.equal(fieldTrusted('cgroup', kn, false), false, 'a sleepable program is not in an RCU read section');
  const cgroups = ptrFieldAt(btf, 'task_struct', offOf('task_struct', 'cgroups'))!;
  assert.equal(cgroups.pointee, 'css_set');
  // The 6.18.44 BTF (gcc-built) carries no btf_type_tag, so `__rcu` is not visible there:
  // task_struct.cgroups is trusted through the BTF_TYPE_SAFE_RCU list.
  assert.equal(cgroups.rcuTag, false);
  assert.equal(fieldTrusted('task_struct', cgroups, true), true);
  assert.equal(fieldTrusted('task_struct', { ...cgroups, name: 'not_listed', rcuTag: true }, true), true, 'an __rcu-tagged field');
  const mm = ptrFieldAt(btf, 'task_struct', offOf('task_struct', 'mm'))!;
  assert.equal(fieldTrusted('task_struct', mm, true), false);
});

test('task->cgroups->dfl_cgrp->kn is walked with plain loads; task->mm->... faults are guarded', () => {
  const text = `
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + ${offOf('task_struct', 'cgroups')})
    r1 = *(u64 *)(r1 + ${offOf('css_set', 'dfl_cgrp')})
    r1 = *(u64 *)(r1 + ${offOf('cgroup', 'kn')})
    r2 = *(u64 *)(r0 + ${offOf('task_struct', 'mm')})
    r2 = *(u64 *)(r2 + 0)
    r0 = 0
    exit`;
  const modes = (section: string): boolean[] =>
    analyzeOk(text, { progType: 'tracing', section })
      .insns.slice(1, 6)
      .map((i) => memMode(i.code) === BPF_PROBE_MEM);
  assert.deepEqual(modes('tp_btf/sys_enter'), [false, false, false, false, true]);
  // fentry.s: sleepable, no RCU read section: only the task itself (PTR_TRUSTED) is read plainly.
  assert.deepEqual(modes('fentry.s/bpf_fentry_test1'), [false, true, true, false, true]);
});
