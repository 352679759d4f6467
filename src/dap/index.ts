// dap/: the Debug Adapter Protocol front end (`bpfdbg dap`), for VS Code and other DAP clients.
export { BpfdbgDebugSession } from './adapter.ts';
export { serveDapStdio, serveDapPort } from './server.ts';
export type { LaunchConfig, AttachConfig, OpenedSession, Opener } from './config.ts';
