// bench/native.ts: compute-heavy. 50,000 rounds of a xorshift64 generator in one tc
// program, no helpers, no memory: how close the JITed code runs to native speed.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ROUNDS 50000

SEC("tc")
int compute(struct __sk_buff *skb)
{
	__u64 x = 88172645463325252ULL, sum = 0;

	for (int i = 0; i < ROUNDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x;
	}
	return (__u32)(sum ^ (sum >> 32));
}

char _license[] SEC("license") = "GPL";
