// SEC name -> program type, after libbpf's section_defs table (v1.x), matched in table
// order. `name+` means "exactly name, or name/anything"; exact entries match only
// themselves. Sections libbpf does not know map to 'unspec' (bpf_prog_test_load sets
// the type explicitly for those).
import type { AttachSpec, ProgType } from './types.ts';

interface SecDef {
  prefix: string;
  /** true: `prefix` alone or `prefix/...`; false: exact match only. */
  plus: boolean;
  type: ProgType;
  attach?: AttachSpec['kind'];
}

const def = (spec: string, type: ProgType, attach?: AttachSpec['kind']): SecDef => {
  const plus = spec.endsWith('+');
  return { prefix: plus ? spec.slice(0, -1) : spec, plus, type, ...(attach ? { attach } : {}) };
};

const SECTION_DEFS: SecDef[] = [
  def('socket', 'socket_filter'),
  def('kprobe+', 'kprobe'), def('uprobe+', 'kprobe'), def('uprobe.s+', 'kprobe'),
  def('kretprobe+', 'kprobe'), def('uretprobe+', 'kprobe'), def('uretprobe.s+', 'kprobe'),
  def('kprobe.multi+', 'kprobe'), def('kretprobe.multi+', 'kprobe'), def('uprobe.multi+', 'kprobe'),
  def('uretprobe.multi+', 'kprobe'), def('ksyscall+', 'kprobe'), def('kretsyscall+', 'kprobe'),
  def('usdt+', 'kprobe'),
  def('tc/ingress', 'sched_cls'), def('tc/egress', 'sched_cls'), def('tcx/ingress', 'sched_cls'),
  def('tcx/egress', 'sched_cls'), def('tc', 'sched_cls'),
  // Old objects name programs `classifier/N` (libbpf < 1.0 accepted any suffix).
  def('classifier+', 'sched_cls'), def('action+', 'sched_act'),
  def('tracepoint+', 'tracepoint'), def('tp+', 'tracepoint'),
  def('raw_tracepoint+', 'raw_tracepoint'), def('raw_tp+', 'raw_tracepoint'),
  def('raw_tracepoint.w+', 'raw_tracepoint'), def('raw_tp.w+', 'raw_tracepoint'),
  def('tp_btf+', 'tracing', 'other'),
  def('fentry+', 'tracing', 'fentry'), def('fmod_ret+', 'tracing', 'fmod_ret'), def('fexit+', 'tracing', 'fexit'),
  def('fentry.s+', 'tracing', 'fentry'), def('fmod_ret.s+', 'tracing', 'fmod_ret'), def('fexit.s+', 'tracing', 'fexit'),
  def('freplace+', 'ext', 'freplace'),
  def('lsm+', 'lsm'), def('lsm.s+', 'lsm'), def('lsm_cgroup+', 'lsm'),
  def('iter+', 'tracing', 'other'), def('iter.s+', 'tracing', 'other'),
  def('syscall', 'syscall'),
  def('xdp.frags/devmap', 'xdp'), def('xdp/devmap', 'xdp'), def('xdp.frags/cpumap', 'xdp'),
  def('xdp/cpumap', 'xdp'), def('xdp.frags', 'xdp'), def('xdp', 'xdp'),
  def('perf_event', 'perf_event'),
  def('struct_ops+', 'struct_ops'), def('struct_ops.s+', 'struct_ops'),
];

export interface SectionProgInfo {
  /** Section name without the `?` prefix. */
  section: string;
  autoload: boolean;
  progType: ProgType;
  attach?: AttachSpec;
}

/** Classifies an executable section name the way libbpf's find_sec_def does. */
export function progTypeOf(secName: string): SectionProgInfo {
  const autoload = !secName.startsWith('?');
  const section = autoload ? secName : secName.slice(1);
  for (const d of SECTION_DEFS) {
    let rest: string | undefined;
    if (section === d.prefix) rest = '';
    else if (d.plus && section.startsWith(d.prefix + '/')) rest = section.slice(d.prefix.length + 1);
    if (rest === undefined) continue;
    const info: SectionProgInfo = { section, autoload, progType: d.type };
    if (d.attach) info.attach = rest ? { kind: d.attach, target: rest } : { kind: d.attach };
    return info;
  }
  return { section, autoload, progType: 'unspec' };
}
