// Bytes as the debugger and the kernel model print them: two lower-case hex digits each,
// separated by spaces ("0f 1f 44 00 00"), as bpftool and objdump show code.
export const hexBytes = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
