// The RISC-V unwinder at every machine instruction of a run, under each profile: through
// the fentry nops and the counter init, the frame allocation and register stores before
// `addi s0, sp, N`, helper calls (PC on the trap page, return address in ra), bpf2bpf
// calls, epilogues (after `ld s0` and after the frame is popped) and tail calls (which pop
// the frame and land in the target's prologue). The outermost frame always returns to the
// sentinel and CFAs grow outwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SENTINEL_ADDR } from '../../src/common/layout.ts';
import { examplePath, have, openExample } from './fixture.ts';

const CASES: { name: string; profile: string; mapUpdates?: { map: string; key: number; prog: string }[]; len: number }[] = [
  { name: 'xdp_parse', profile: 'upstream', len: 64 },
  { name: 'privstack', profile: 'upstream', len: 64 },
  { name: 'tailchain', profile: 'upstream', len: 40 },
  { name: 'subprog_tail', profile: 'tcc-on-stack', mapUpdates: [{ map: 'jmp_table', key: 1, prog: 'handler_small' }], len: 35 },
  { name: 'subprog_tail', profile: 'tcc-a6-passthrough', mapUpdates: [{ map: 'jmp_table', key: 0, prog: 'handler_large' }], len: 64 },
];

for (const c of CASES) {
  test(
    `riscv64 ${c.profile} ${c.name}: at every instruction the frames end at the sentinel and the CFA grows outwards`,
    { skip: have(examplePath(c.name)) ? false : `${c.name}.o not built` },
    async () => {
      // An IPv4/TCP frame, so xdp_parse reaches its bpf2bpf call.
      const pkt = new Uint8Array(c.len);
      pkt.set([0x08, 0x00, 0x45], 12);
      if (c.len > 23) pkt[23] = 6;
      const s = await openExample(c.name, { arch: 'riscv64', profile: c.profile, mapUpdates: c.mapUpdates }, pkt);
      await s.execute('start');
      let steps = 0;
      let maxDepth = 0;
      let hops = 0;
      while (s.runState === 'stopped' && steps < 50000) {
        s.invalidateFrames();
        const fr = s.frames();
        const pc = s.target.machine.pc;
        const where = `step ${steps} (pc 0x${pc.toString(16)})`;
        if (pc === SENTINEL_ADDR) assert.equal(fr.length, 0, where);
        else {
          assert.ok(fr.length >= 1, `no frame at ${where}`);
          assert.equal(fr[fr.length - 1]!.returnAddr, SENTINEL_ADDR, `outermost frame at ${where}`);
          for (const f of fr) assert.ok(f.pos, where);
          for (let k = 1; k < fr.length; k++) assert.ok(fr[k]!.fp > fr[k - 1]!.fp, `CFA order at ${where}`);
        }
        maxDepth = Math.max(maxDepth, fr.length);
        const h = s.rc.stepi();
        hops += s.rc.takeEvents().filter((e) => e.taken).length;
        if (h.kind === 'exited') break;
        assert.equal(h.kind, 'step', `${where}: ${JSON.stringify(h)}`);
        steps++;
      }
      assert.ok(steps > 30, `only ${steps} instructions`);
      if (c.name !== 'tailchain') assert.ok(maxDepth >= 2, 'the run went through a bpf2bpf call');
      if (c.name === 'tailchain' || c.name === 'subprog_tail') assert.ok(hops >= 1, 'the run took a tail call');
      s.dispose();
    },
  );
}
