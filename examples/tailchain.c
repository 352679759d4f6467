// A tail-call chain over a prog_array: entry -> stage_parse -> stage_count -> stage_verdict.
// entry and stage_parse use constant keys (direct tail calls: the kernel patches a jmp into
// the code, a poke descriptor per site); stage_count picks its next slot from a global
// (an indirect tail call that reads the array at run time).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int stage_parse(struct __sk_buff *skb);
int stage_count(struct __sk_buff *skb);
int stage_verdict(struct __sk_buff *skb);

/* Slots are filled at load time from the initialiser, as libbpf does. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (struct __sk_buff *));
} chain SEC(".maps") = {
	.values = { [0] = (void *)&stage_parse, [1] = (void *)&stage_count, [2] = (void *)&stage_verdict },
};

__u32 hops = 0;          /* incremented by every stage */
__u32 next_slot = 2;     /* where stage_count goes next (user space may change it) */
__u64 bytes_seen = 0;

SEC("tc")
int stage_verdict(struct __sk_buff *skb)
{
	hops++;
	return skb->len > 64 ? 2 : 1;
}

SEC("tc")
int stage_count(struct __sk_buff *skb)
{
	hops++;
	bytes_seen += skb->len;
	bpf_tail_call(skb, &chain, next_slot);
	return 10; /* slot empty or out of range */
}

SEC("tc")
int stage_parse(struct __sk_buff *skb)
{
	hops++;
	bpf_tail_call_static(skb, &chain, 1);
	return 20;
}

SEC("tc")
int entry(struct __sk_buff *skb)
{
	hops = 0;
	bpf_tail_call_static(skb, &chain, 0);
	return 30;
}

char _license[] SEC("license") = "GPL";
