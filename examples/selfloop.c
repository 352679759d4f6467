// A program that tail-calls itself forever. The kernel stops it after
// MAX_TAIL_CALL_CNT = 33 tail calls: entry runs 34 times, then the tail call falls through.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int loop(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int (struct __sk_buff *));
} self SEC(".maps") = {
	.values = { [0] = (void *)&loop },
};

__u32 runs = 0;

SEC("tc")
int loop(struct __sk_buff *skb)
{
	runs++;
	bpf_tail_call_static(skb, &self, 0);
	return runs; /* reached only when the limit stops the chain: 34 */
}

char _license[] SEC("license") = "GPL";
