// A timer callback that calls a subprogram the main program also calls (seed 001).
// Both invocations may nest on one CPU (process context, then the timer softirq), so the
// verifier keeps shared() on the normal kernel stack even where a private stack is allowed.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CLOCK_MONOTONIC 1

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

__u64 fired = 0;
__u64 main_sum = 0;

static __attribute__((noinline)) __u64 shared(__u64 x)
{
	volatile __u64 buf[10]; /* 80 bytes: would qualify for a private stack */
	for (int i = 0; i < 10; i++)
		buf[i] = x + i;
	return buf[3] + buf[9];
}

static int timer_cb(void *map, __u32 *key, struct elem *val)
{
	fired += shared(fired + 100);
	return 0;
}

SEC("tc")
int arm_timer(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct elem *e = bpf_map_lookup_elem(&timers, &key);
	if (!e)
		return 1;
	bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, timer_cb);
	bpf_timer_start(&e->t, 1000 /* ns */, 0);
	main_sum = shared(skb->len);
	return 0;
}

char _license[] SEC("license") = "GPL";
