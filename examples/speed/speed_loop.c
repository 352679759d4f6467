// bench/native.ts: bpf_loop. 2,000 callbacks of 16 xorshift64 rounds each: the cost of
// a helper that calls back into BPF, against the kernel's.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CALLS 2000
#define ROUNDS 16

struct state {
	__u64 x;
	__u64 sum;
};

static long step(__u64 index, struct state *s)
{
	__u64 x = s->x;

	for (int i = 0; i < ROUNDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s->sum += x;
	}
	s->x = x;
	return 0;
}

SEC("tc")
int loop(struct __sk_buff *skb)
{
	struct state s = { .x = 88172645463325252ULL, .sum = 0 };

	bpf_loop(CALLS, step, &s, 0);
	return (__u32)(s.sum ^ (s.sum >> 32));
}

char _license[] SEC("license") = "GPL";
