// The gdb remote stub: answers one request packet at a time by driving the engine with the
// same command strings batch mode reads (stepi, continue, break *ADDR, set ..., reverse-*),
// so a gdb session is a debugger session like any other: recorded, replayable, and on the
// same timeline reverse execution walks. Registers and memory are read from the View and
// the machine; every change goes through a command.
import { memoryWriteCommands, readMapped } from '../debugger/index.ts';
import type { CommandResult, View } from '../debugger/index.ts';
import type { TimeTravelSession } from '../record/index.ts';
import { fromHex, leHex, leValue, toHex, unescapeBinary, xferWindow } from './packets.ts';
import { gdbRegisters, pcRegister, targetXml, type GdbRegister } from './targetXml.ts';

// Signals of stop replies (gdb's numbering, the Linux one for these).
const SIGINT = 2;
const SIGTRAP = 5;
const SIGSEGV = 11;

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export interface StubHooks {
  /** Console output for gdb while the target runs (`O` packets). */
  console(text: string): void;
  /** gdb asked to end the session (k, D, vKill). */
  end(): void;
}

export class GdbStub {
  private readonly regs: GdbRegister[];
  private readonly xml: string;
  /** Z0/Z1 address -> the engine breakpoint planted for it. */
  private readonly planted = new Map<string, number>();
  /** Set by `bs`/`bc` when the history's start was reached (rr's `replaylog:begin`). */
  private atHistoryStart = false;

  constructor(
    private readonly port: TimeTravelSession,
    private readonly hooks: StubHooks,
  ) {
    const arch = port.view().arch;
    this.regs = gdbRegisters(arch);
    this.xml = targetXml(arch);
  }

  /** The reply to one request (null: send nothing). */
  async handle(p: string): Promise<string | null> {
    if (p.startsWith('qSupported'))
      return 'PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+;QStartNoAckMode+;vContSupported+';
    if (p === 'QStartNoAckMode' || p.startsWith('H') || p === 'qSymbol::' || p.startsWith('T')) return 'OK';
    if (p === '?') return this.stopReply(this.port.view(), false);
    if (p === 'qfThreadInfo') return 'm1';
    if (p === 'qsThreadInfo') return 'l';
    if (p === 'qC') return 'QC1';
    if (p === 'qAttached') return '1';
    if (p.startsWith('qXfer:features:read:')) {
      const m = /^qXfer:features:read:([^:]+):([0-9a-f]+),([0-9a-f]+)$/.exec(p);
      if (!m || m[1] !== 'target.xml') return 'E00';
      return xferWindow(this.xml, parseInt(m[2]!, 16), parseInt(m[3]!, 16));
    }
    if (p === 'g') return this.regs.map((r) => this.regHex(r)).join('');
    if (p.startsWith('p')) {
      const n = parseInt(p.slice(1), 16);
      const r = this.regs[n];
      return r ? this.regHex(r) : 'E00';
    }
    if (p.startsWith('P')) {
      const m = /^P([0-9a-f]+)=([0-9a-fx]+)$/.exec(p);
      const r = m ? this.regs[parseInt(m[1]!, 16)] : undefined;
      return m && r ? this.writeReg(r, leValue(m[2]!)) : 'E00';
    }
    if (p.startsWith('G')) return this.writeAllRegs(p.slice(1));
    if (p.startsWith('m')) {
      const [a, l] = p.slice(1).split(',');
      const bytes = readMapped(this.port.session, BigInt(`0x${a}`), Math.min(parseInt(l!, 16), 0x1000));
      return bytes.length ? toHex(bytes) : 'E14';
    }
    if (p.startsWith('M')) {
      const m = /^M([0-9a-f]+),([0-9a-f]+):([0-9a-f]*)$/.exec(p);
      return m ? this.writeMem(BigInt(`0x${m[1]}`), fromHex(m[3]!)) : 'E00';
    }
    if (p.startsWith('X')) {
      const m = /^X([0-9a-f]+),([0-9a-f]+):(.*)$/s.exec(p);
      if (!m) return 'E00';
      const data = unescapeBinary(m[3]!);
      return this.writeMem(
        BigInt(`0x${m[1]}`),
        Uint8Array.from(data, (c) => c.charCodeAt(0)),
      );
    }
    if (/^[Zz][01],/.test(p)) return this.breakpoint(p[0] === 'Z', BigInt(`0x${p.split(',')[1]}`));
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (p.startsWith('vCont;')) {
      // One thread: the first action decides (`vCont;s:1;c` steps thread 1).
      const action = p.slice(6).split(';')[0]![0]!.toLowerCase();
      return this.resume(action === 's' ? 'stepi' : 'continue');
    }
    if (/^[cC]/.test(p)) return this.resume('continue'); // an address or signal argument is ignored
    if (/^[sS]/.test(p)) return this.resume('stepi');
    if (p === 'bs') return this.resume('reverse-stepi');
    if (p === 'bc') return this.resume('reverse-continue');
    if (p.startsWith('qRcmd,')) return this.monitor(Buffer.from(p.slice(6), 'hex').toString('latin1'));
    if (p === 'k' || p === 'vKill;1' || p.startsWith('D')) {
      this.hooks.end();
      return p === 'k' ? null : 'OK';
    }
    return ''; // not supported: gdb falls back or does without
  }

  private regValue(r: GdbRegister, v: View): bigint | null {
    if (r.zero) return 0n;
    const n = r.view === null ? undefined : v.registers?.native.find((x) => x.name === r.view);
    return n ? BigInt(n.value) : null;
  }

  private regHex(r: GdbRegister): string {
    const v = this.regValue(r, this.port.view());
    return v === null ? 'x'.repeat(r.bits / 4) : leHex(v, r.bits / 8);
  }

  /** `set $REG = V`, naming the register so the engine's parser reads it as the native one. */
  private async writeReg(r: GdbRegister, value: bigint): Promise<string> {
    if (r.zero) return 'OK';
    const nat = r.view === null ? undefined : this.port.view().registers?.native.find((x) => x.name === r.view);
    if (!nat) return 'E01';
    // `$r5` is BPF R5 to the engine: x86's r8..r10 are reached through the BPF register
    // they hold; an x86 rN that holds none (r9 outside a private stack, r10) cannot be named.
    const name = nat.bpf ? nat.bpf.toLowerCase() : nat.name === 'rflags' ? 'eflags' : nat.name;
    if (!nat.bpf && /^r\d+$/.test(name) && Number(name.slice(1)) <= 10) return 'E01';
    const r2 = await this.port.execute(`set $${name} = 0x${BigInt.asUintN(64, value).toString(16)}`);
    return r2.ok ? 'OK' : 'E01';
  }

  private async writeAllRegs(hex: string): Promise<string> {
    const v = this.port.view();
    let off = 0;
    for (const r of this.regs) {
      const part = hex.slice(off, off + r.bits / 4);
      off += r.bits / 4;
      if (part.length < r.bits / 4 || part.includes('x')) continue;
      const want = leValue(part);
      if (this.regValue(r, v) !== null && this.regValue(r, v) !== want && (await this.writeReg(r, want)) !== 'OK') return 'E01';
    }
    return 'OK';
  }

  /** Memory writes go through `set` commands (recorded like any change). */
  private async writeMem(addr: bigint, bytes: Uint8Array): Promise<string> {
    for (const c of memoryWriteCommands(addr, bytes)) if (!(await this.port.execute(c)).ok) return 'E14';
    return 'OK';
  }

  private async breakpoint(insert: boolean, addr: bigint): Promise<string> {
    const key = addr.toString(16);
    if (insert) {
      if (this.planted.has(key)) return 'OK';
      const r = await this.port.execute(`break *0x${key}`);
      const bp = r.view.breakpoints.at(-1);
      if (!r.ok || !bp || BigInt(bp.nativeAddr) !== addr) return 'E01';
      this.planted.set(key, bp.id);
      return 'OK';
    }
    const id = this.planted.get(key);
    if (id === undefined) return 'OK';
    this.planted.delete(key);
    return (await this.port.execute(`delete ${id}`)).ok ? 'OK' : 'E01';
  }

  private async resume(cmd: string): Promise<string> {
    const r = await this.port.execute(cmd);
    const forward = cmd.endsWith('continue');
    // The engine's notes (tail calls, pokes, the exit) reach gdb's console; its own
    // breakpoint line would repeat gdb's with the engine's numbering.
    if (forward)
      for (const l of r.output)
        if (l.kind !== 'command' && l.kind !== 'error' && !/^(Temporary b|B)reakpoint \d+/.test(l.text)) this.hooks.console(`${l.text}\n`);
    this.atHistoryStart = cmd.startsWith('reverse') && r.view.history?.count === 0;
    if (!r.ok && r.view.runState !== 'exited') return this.stopReply(r.view, false, r);
    return this.stopReply(r.view, true, r);
  }

  /** `T`/`W`/`X` stop reply for the View (gdb manual, "Stop Reply Packets"). */
  private stopReply(v: View, ran: boolean, r?: CommandResult): string {
    const stop = v.stop;
    if (v.runState === 'exited' && stop?.kind === 'exit') return `W${hex2(Number(BigInt(stop.retval) & 0xffn))}`;
    if (v.runState === 'exited' || v.runState === 'not-started') return 'W00';
    const pc = this.regs[pcRegister(v.arch)]!;
    const pcPart = `${hex2(pcRegister(v.arch))}:${this.regHex(pc)};`;
    if (this.atHistoryStart) return `T${hex2(SIGTRAP)}replaylog:begin;${pcPart}thread:1;`;
    let sig = SIGTRAP;
    let why = '';
    if (stop?.kind === 'fault') sig = SIGSEGV;
    else if (stop?.kind === 'interrupted') sig = SIGINT;
    else if (stop?.kind === 'breakpoint' && ran) why = 'swbreak:;';
    else if (r && !r.ok) this.hooks.console(`${r.error?.message ?? 'failed'}\n`);
    return `T${hex2(sig)}${why}${pcPart}thread:1;`;
  }

  /** `monitor CMD`: any debugger command; its output goes to gdb's console. */
  private async monitor(cmd: string): Promise<string> {
    const r = await this.port.execute(cmd);
    const text = r.output
      .filter((l) => l.kind !== 'command')
      .map((l) => `${l.text}\n`)
      .join('');
    return text ? toHex(Buffer.from(text, 'utf8')) : 'OK';
  }
}
