// The unwinder at every machine instruction of a run: through prologues (before and
// after `push rbp; mov rbp, rsp`), helper calls, bpf2bpf calls and epilogues (after
// `leave`), the outermost frame always returns to the sentinel and frame pointers grow
// outwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SENTINEL_ADDR } from '../../src/common/layout.ts';
import { examplePath, have, openExample } from './fixture.ts';

for (const name of ['subprog_tail', 'privstack', 'xdp_parse']) {
  test(
    `${name}: at every instruction the frames end at the sentinel and fp increases outwards`,
    { skip: have(examplePath(name)) ? false : `${name}.o not built` },
    async () => {
      // An IPv4/TCP frame, so xdp_parse reaches its bpf2bpf call.
      const pkt = new Uint8Array(64);
      pkt.set([0x08, 0x00, 0x45], 12);
      pkt[23] = 6;
      const s = await openExample(name, name === 'subprog_tail' ? { mapUpdates: [{ map: 'jmp_table', key: 1, prog: 'handler_small' }] } : {}, pkt);
      await s.execute('start');
      let steps = 0;
      let maxDepth = 0;
      while (s.runState === 'stopped' && steps < 20000) {
        s.invalidateFrames();
        const fr = s.frames();
        const m = s.target.machine;
        // In the return thunk on the way back to the kernel no BPF frame is left.
        const leaving = !s.target.index.lookup(m.pc) && m.readU64(m.readReg('rsp')) === SENTINEL_ADDR;
        if (leaving) assert.equal(fr.length, 0);
        else assert.ok(fr.length >= 1, `no frame at step ${steps}`);
        if (!leaving) assert.equal(fr[fr.length - 1]!.returnAddr, SENTINEL_ADDR, `outermost frame at step ${steps} (pc 0x${s.target.machine.pc.toString(16)})`);
        for (let k = 1; k < fr.length; k++) assert.ok(fr[k]!.fp > fr[k - 1]!.fp, `fp order at step ${steps}`);
        maxDepth = Math.max(maxDepth, fr.length);
        const h = s.rc.stepi();
        if (h.kind === 'exited') break;
        assert.equal(h.kind, 'step');
        steps++;
      }
      assert.ok(maxDepth >= 2, 'the run went through a bpf2bpf call');
      s.dispose();
    },
  );
}
