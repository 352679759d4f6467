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
  def('kprobe+', 'kprobe'),
  def('uprobe+', 'kprobe'),
  def('uprobe.s+', 'kprobe'),
  def('kretprobe+', 'kprobe'),
  def('uretprobe+', 'kprobe'),
  def('uretprobe.s+', 'kprobe'),
  def('kprobe.multi+', 'kprobe'),
  def('kretprobe.multi+', 'kprobe'),
  def('uprobe.multi+', 'kprobe'),
  def('uretprobe.multi+', 'kprobe'),
  def('ksyscall+', 'kprobe'),
  def('kretsyscall+', 'kprobe'),
  def('usdt+', 'kprobe'),
  def('tc/ingress', 'sched_cls'),
  def('tc/egress', 'sched_cls'),
  def('tcx/ingress', 'sched_cls'),
  def('tcx/egress', 'sched_cls'),
  def('tc', 'sched_cls'),
  // Old objects name programs `classifier/N` (libbpf < 1.0 accepted any suffix).
  def('classifier+', 'sched_cls'),
  def('action+', 'sched_act'),
  def('tracepoint+', 'tracepoint'),
  def('tp+', 'tracepoint'),
  def('raw_tracepoint+', 'raw_tracepoint'),
  def('raw_tp+', 'raw_tracepoint'),
  def('raw_tracepoint.w+', 'raw_tracepoint'),
  def('raw_tp.w+', 'raw_tracepoint'),
  def('tp_btf+', 'tracing', 'other'),
  def('fentry+', 'tracing', 'fentry'),
  def('fmod_ret+', 'tracing', 'fmod_ret'),
  def('fexit+', 'tracing', 'fexit'),
  def('fentry.s+', 'tracing', 'fentry'),
  def('fmod_ret.s+', 'tracing', 'fmod_ret'),
  def('fexit.s+', 'tracing', 'fexit'),
  def('freplace+', 'ext', 'freplace'),
  def('lsm+', 'lsm'),
  def('lsm.s+', 'lsm'),
  def('lsm_cgroup+', 'lsm'),
  def('iter+', 'tracing', 'other'),
  def('iter.s+', 'tracing', 'other'),
  def('syscall', 'syscall'),
  def('xdp.frags/devmap', 'xdp'),
  def('xdp/devmap', 'xdp'),
  def('xdp.frags/cpumap', 'xdp'),
  def('xdp/cpumap', 'xdp'),
  def('xdp.frags', 'xdp'),
  def('xdp', 'xdp'),
  def('perf_event', 'perf_event'),
  // libbpf section_defs for the network/cgroup types (v1.x order)
  def('lwt_in', 'lwt_in'),
  def('lwt_out', 'lwt_out'),
  def('lwt_xmit', 'lwt_xmit'),
  def('lwt_seg6local', 'lwt_seg6local'),
  def('sockops', 'sock_ops'),
  def('sk_skb/stream_parser', 'sk_skb'),
  def('sk_skb/stream_verdict', 'sk_skb'),
  def('sk_skb/verdict', 'sk_skb'),
  def('sk_skb+', 'sk_skb'),
  def('sk_msg', 'sk_msg'),
  def('lirc_mode2', 'unspec'),
  def('flow_dissector', 'flow_dissector'),
  def('cgroup_skb/ingress', 'cgroup_skb'),
  def('cgroup_skb/egress', 'cgroup_skb'),
  def('cgroup/skb', 'cgroup_skb'),
  def('cgroup/sock_create', 'cgroup_sock'),
  def('cgroup/sock_release', 'cgroup_sock'),
  def('cgroup/sock', 'cgroup_sock'),
  def('cgroup/post_bind4', 'cgroup_sock'),
  def('cgroup/post_bind6', 'cgroup_sock'),
  ...[
    'bind4',
    'bind6',
    'connect4',
    'connect6',
    'connect_unix',
    'sendmsg4',
    'sendmsg6',
    'sendmsg_unix',
    'recvmsg4',
    'recvmsg6',
    'recvmsg_unix',
    'getpeername4',
    'getpeername6',
    'getpeername_unix',
    'getsockname4',
    'getsockname6',
    'getsockname_unix',
  ].map((a) => def(`cgroup/${a}`, 'cgroup_sock_addr')),
  def('cgroup/sysctl', 'cgroup_sysctl'),
  def('cgroup/getsockopt', 'cgroup_sockopt'),
  def('cgroup/setsockopt', 'cgroup_sockopt'),
  def('cgroup/dev', 'cgroup_device'),
  def('sk_lookup', 'sk_lookup'),
  def('sk_reuseport/migrate', 'sk_reuseport'),
  def('sk_reuseport', 'sk_reuseport'),
  def('netfilter', 'netfilter'),
  def('struct_ops+', 'struct_ops'),
  def('struct_ops.s+', 'struct_ops'),
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

/**
 * libbpf's SEC_SLEEPABLE section definitions (`fentry.s/`, `lsm.s/`, `iter.s/`,
 * `uprobe.s`, `struct_ops.s/`, ... and `syscall`): the program loads with
 * BPF_F_SLEEPABLE.
 */
export function isSleepableSection(section: string): boolean {
  const head = section.split('/')[0]!;
  return head === 'syscall' || head.endsWith('.s');
}
