// fentry and fexit programs for subprog_tail.o's classify() subprogram, to debug a session
// with two objects and a BPF trampoline:
//   bpfdbg examples/subprog_tail.o --attach examples/trace_classify.o
// Their targets come from the section names as libbpf reads them (classify is in one
// program of subprog_tail.o: entry). on_classify counts the calls and keeps the packet
// length it saw; after_classify keeps classify()'s return value. A tail call out of
// classify never returns to it, so after_classify runs only when classify itself returns.
// classify_calls is pinned by name (LIBBPF_PIN_BY_NAME): every object loaded from this
// file shares it through /sys/fs/bpf/classify_calls, as libbpf reuses a pinned map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u32 entered = 0;
__u32 returned = 0;
__s64 last_ret = -1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} classify_calls SEC(".maps");

static void count(__u32 key)
{
	__u64 *n = bpf_map_lookup_elem(&classify_calls, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("fentry/classify")
int BPF_PROG(on_classify, struct __sk_buff *skb)
{
	entered++;
	count(0);
	return 0;
}

SEC("fexit/classify")
int BPF_PROG(after_classify, struct __sk_buff *skb, int ret)
{
	returned++;
	last_ret = ret;
	count(1);
	return 0;
}

char _license[] SEC("license") = "GPL";
