// bench/native.ts: memory-heavy. 20,000 rounds of loads and stores to a 64-byte stack
// buffer and to an array map value (looked up once): softmmu cost against native.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ROUNDS 20000

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[8]);
} table SEC(".maps");

SEC("tc")
int memory(struct __sk_buff *skb)
{
	volatile __u64 buf[8] = {};
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&table, &key);

	if (!v)
		return 0;
	for (int i = 0; i < ROUNDS; i++) {
		__u32 j = i & 7;
		buf[j] += buf[(j + 1) & 7] + i;
		v[j] += buf[j] ^ i;
	}
	return (__u32)(v[0] + v[7]);
}

char _license[] SEC("license") = "GPL";
