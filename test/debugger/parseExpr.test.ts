// The expression grammar's C additions: casts to named types, postfix member/element
// access, address-of, sizeof of a type or an expression; the old forms parse as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpr, parseTypeName } from '../../src/debugger/expr/parseExpr.ts';

const parse = (s: string) => {
  const r = parseExpr(s);
  assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error.message}`);
  return r.value;
};

test('casts to struct pointers and builtin names; a parenthesised name stays a grouping', () => {
  assert.deepEqual(parse('(struct __sk_buff *)$r1'), { kind: 'cast', type: { base: 'struct __sk_buff', ptr: 1 }, arg: { kind: 'reg', name: 'r1' } });
  assert.deepEqual(parse('(unsigned long)hops'), { kind: 'cast', type: { base: 'unsigned long', ptr: 0 }, arg: { kind: 'sym', name: 'hops' } });
  assert.deepEqual(parse('(hops)'), { kind: 'sym', name: 'hops' });
  assert.deepEqual(parse('(__be16 *)$r2'), { kind: 'cast', type: { base: '__be16', ptr: 1 }, arg: { kind: 'reg', name: 'r2' } });
});

test('postfix access binds tighter than prefix operators', () => {
  assert.deepEqual(parse('&p->cb[2]'), {
    kind: 'addr',
    arg: { kind: 'index', base: { kind: 'member', base: { kind: 'sym', name: 'p' }, name: 'cb', arrow: true }, index: { kind: 'num', value: 2n } },
  });
  assert.deepEqual(parse('*(struct x *)$r1'), { kind: 'star', arg: { kind: 'cast', type: { base: 'struct x', ptr: 1 }, arg: { kind: 'reg', name: 'r1' } } });
  assert.deepEqual(parse('(*q).a.b'), {
    kind: 'member',
    base: { kind: 'member', base: { kind: 'star', arg: { kind: 'sym', name: 'q' } }, name: 'a', arrow: false },
    name: 'b',
    arrow: false,
  });
});

test('the old forms keep their meaning: *(u32 *)ADDR is a sized read, a & b a binary and', () => {
  assert.deepEqual(parse('*(u32 *)($r10 - 4)'), {
    kind: 'deref',
    size: 4,
    signed: false,
    addr: { kind: 'binary', op: '-', left: { kind: 'reg', name: 'r10' }, right: { kind: 'num', value: 4n } },
  });
  assert.equal(parse('$r1 & 0xff').kind, 'binary');
});

test('sizeof takes a type or an expression; type names parse on their own for ptype', () => {
  assert.deepEqual(parse('sizeof(struct xdp_md)'), { kind: 'sizeof', type: { base: 'struct xdp_md', ptr: 0 }, arg: null });
  assert.deepEqual(parse('sizeof hops'), { kind: 'sizeof', type: null, arg: { kind: 'sym', name: 'hops' } });
  assert.deepEqual(parseTypeName('enum xdp_action'), { base: 'enum xdp_action', ptr: 0 });
  assert.deepEqual(parseTypeName('unsigned short int *'), { base: 'unsigned short', ptr: 1 });
  assert.equal(parseTypeName('hops + 1'), null);
});
