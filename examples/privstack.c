// A tracing program whose subprograms have stacks of 64 bytes or more: on Linux 6.13+
// x86-64 each such subprogram gets its own per-CPU private stack (R9 = private frame
// pointer, guard words at both ends) instead of growing the kernel stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 result = 0;

static __attribute__((noinline)) __u64 mix(__u64 seed)
{
	volatile __u64 buf[12]; /* 96 bytes: private-stack candidate */
	for (int i = 0; i < 12; i++)
		buf[i] = seed * (i + 3) ^ (seed >> i);
	__u64 acc = 0;
	for (int i = 0; i < 12; i++)
		acc += buf[i];
	return acc;
}

static __attribute__((noinline)) __u64 fold(__u64 seed)
{
	volatile __u32 words[20]; /* 80 bytes */
	for (int i = 0; i < 20; i++)
		words[i] = (__u32)(seed >> (i & 31)) + i;
	return mix(words[7] + words[13]);
}

SEC("raw_tp/sys_enter")
int trace_enter(void *ctx)
{
	volatile __u64 small = 7; /* 8 bytes: stays on the kernel stack */
	result = fold(small) + mix(small);
	return 0;
}

char _license[] SEC("license") = "GPL";
