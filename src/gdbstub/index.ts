// gdbstub/: gdb's remote serial protocol in front of the engine (`bpfdbg OBJ --gdb`).
export { serveGdb, type GdbServer } from './server.ts';
export { GdbStub, type StubHooks } from './stub.ts';
export { targetXml, gdbRegisters } from './targetXml.ts';
export { framePacket, PacketReader } from './packets.ts';
