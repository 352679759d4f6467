// A tail call from inside a subprogram, mixed with bpf2bpf calls: the case of seed 002
// (x86-64 "rework pro/epilogue and tailcall handling", 5.10). The counter must travel
// through the bpf2bpf call into classify() and back out through the tail call.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp_table SEC(".maps");

__u32 calls = 0;
__u32 tail_hits = 0;

static __attribute__((noinline)) int checksum(struct __sk_buff *skb)
{
	volatile char scratch[24] = {};
	scratch[skb->len & 15] = 1;
	return scratch[3] + skb->len;
}

/* Tail-calls from inside a subprogram: a successful tail call never returns here, and
 * its result becomes classify()'s return value in entry. */
static __attribute__((noinline)) int classify(struct __sk_buff *skb)
{
	calls++;
	if (skb->len > 40)
		bpf_tail_call_static(skb, &jmp_table, 0);
	bpf_tail_call_static(skb, &jmp_table, 1);
	return checksum(skb);
}

SEC("tc")
int handler_small(struct __sk_buff *skb)
{
	tail_hits++;
	return 100 + checksum(skb);
}

SEC("tc")
int handler_large(struct __sk_buff *skb)
{
	tail_hits++;
	return 200;
}

SEC("tc")
int entry(struct __sk_buff *skb)
{
	volatile int local[4] = {1, 2, 3, 4};
	int r = classify(skb);
	return r + local[2];
}

char _license[] SEC("license") = "GPL";
