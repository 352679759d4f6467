// Type escapes the house does not allow: `as never` silences any type error (it was how
// plain numbers reached functions that take a branded InsnIdx), and above the layers that
// create branded ids (loader, analysis, JIT: src/common/ids.ts) a number becomes one only
// through its named constructor (`insnIdx(n)`), never a cast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { files, SRC } from './srcFiles.ts';

/** `file:line: text` of every line of `src/` matching `re`, outside the layers in `except`. */
function hits(re: RegExp, except: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    if (except.includes(rel.split('/')[0]!)) continue;
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((l, i) => {
        if (re.test(l) && !/^\s*(\/\/|\*)/.test(l)) out.push(`${rel}:${i + 1}: ${l.trim()}`);
      });
  }
  return out;
}

// machine/ (engine/ as its files move there): UnicornCore.register hands koffi a callback
// type it keeps as `unknown`; typing it as unicornLib's TypeObject removes the last one.
const AS_NEVER_REMAINS_IN = ['machine', 'engine'];

test('no `as never` in src/ (the FFI layer aside)', () => {
  assert.deepEqual(hits(/\bas never\b/, AS_NEVER_REMAINS_IN), []);
});

test('above the JIT, branded ids are made with their constructors (insnIdx(n)), not cast', () => {
  const creators = ['common', 'bpf', 'object', 'analysis', 'jit'];
  assert.deepEqual(hits(/\bas (InsnIdx|NativeOff|FileOff|SubprogIdx|SrcLine|GuestAddr)\b/, creators), []);
});

test('the scan finds the one left in the FFI layer (drop it and AS_NEVER_REMAINS_IN together)', () => {
  assert.ok(hits(/\bas never\b/, []).some((h) => /^(machine|engine)\//.test(h)));
});
