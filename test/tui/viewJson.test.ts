import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hex64, hex64Value } from '../../src/debugger/view.ts';
import { riscvStop } from './fixtures/riscvStop.ts';
import { x86PrivStack } from './fixtures/x86PrivStack.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';

describe('View as batch JSON', () => {
  for (const [name, v] of Object.entries({ x86TailCall, x86PrivStack, riscvStop })) {
    it(`${name} survives JSON.stringify/parse unchanged (no bigint, no undefined)`, () => {
      assert.deepEqual(JSON.parse(JSON.stringify(v)), v);
    });
  }

  it('writes 64-bit values as canonical lowercase hex', () => {
    assert.equal(hex64(0xffffffffc0000000n), '0xffffffffc0000000');
    assert.equal(hex64(0n), '0x0');
    assert.equal(hex64(-1n), '0xffffffffffffffff');
    assert.equal(hex64Value('0xffffffffc0000000'), 0xffffffffc0000000n);
  });

  it('fixtures use only canonical Hex64 strings for addresses and register values', () => {
    const canonical = /^0x(0|[1-9a-f][0-9a-f]{0,15})$/;
    for (const v of [x86TailCall, x86PrivStack, riscvStop]) {
      for (const r of v.registers!.native) assert.match(r.value, canonical, r.name);
      for (const f of v.frames) assert.match(f.nativeAddr, canonical);
    }
  });
});
