import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from '../../src/debugger/commands/parseCommand.ts';
import { evalExpr, type ExprEnv } from '../../src/debugger/expr/evalExpr.ts';
import { parseExpr } from '../../src/debugger/expr/parseExpr.ts';

const cmd = (s: string) => {
  const r = parseCommand(s);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

test('gdb aliases resolve to their commands', () => {
  assert.deepEqual(cmd('si'), { kind: 'stepi', count: 1 });
  assert.deepEqual(cmd('si 5'), { kind: 'stepi', count: 5 });
  assert.deepEqual(cmd('c'), { kind: 'continue', count: 1 });
  assert.deepEqual(cmd('bt'), { kind: 'backtrace', limit: null });
  assert.equal(cmd('fin').kind, 'finish');
  assert.equal(cmd('disas').kind, 'disassemble');
  assert.deepEqual(cmd('i r'), { kind: 'info', topic: 'registers', arg: null });
});

test('unique prefixes resolve as in gdb, ambiguous ones are named', () => {
  assert.equal(cmd('backt').kind, 'backtrace');
  const r = parseCommand('re');
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error.message : '', /ambiguous command "re": .*record.*reverse-step/);
});

test('break takes every location form and an optional condition', () => {
  assert.deepEqual(cmd('break entry'), { kind: 'break', loc: { kind: 'program', prog: 'entry' }, temporary: false, cond: null, condText: null });
  assert.deepEqual((cmd('b entry:14') as { loc: unknown }).loc, { kind: 'insn', prog: 'entry', insn: 14 });
  assert.deepEqual((cmd('b tailchain.c:37') as { loc: unknown }).loc, { kind: 'line', file: 'tailchain.c', line: 37 });
  assert.deepEqual((cmd('b *0xffffffffc0000010') as { loc: unknown }).loc, { kind: 'addr', addr: 0xffffffffc0000010n });
  const c = cmd('tbreak entry:3 if $r1 == 5');
  assert.equal(c.kind, 'break');
  if (c.kind === 'break') {
    assert.equal(c.temporary, true);
    assert.equal(c.condText, '$r1 == 5');
    assert.deepEqual(c.cond, { kind: 'binary', op: '==', left: { kind: 'reg', name: 'r1' }, right: { kind: 'num', value: 5n } });
  }
});

test('x/FMT parses count, unit and format in either order', () => {
  const c = cmd('x/4gx $r10 - 32');
  assert.equal(c.kind, 'examine');
  if (c.kind === 'examine') {
    assert.deepEqual([c.count, c.unit, c.format], [4, 8, 'x']);
    assert.equal(c.addrText, '$r10 - 32');
  }
  const d = cmd('x/2wd 0x1000');
  if (d.kind === 'examine') assert.deepEqual([d.count, d.unit, d.format], [2, 4, 'd']);
});

test('map update and delete carry their operands', () => {
  assert.deepEqual(cmd('map update jmp_table 0 classifier_1'), { kind: 'mapUpdate', map: 'jmp_table', key: '0', value: 'classifier_1' });
  assert.deepEqual(cmd('map delete jmp_table 1'), { kind: 'mapDelete', map: 'jmp_table', key: '1' });
  assert.equal(parseCommand('map frob x').ok, false);
});

test('bad input is an error value naming the problem, never a throw', () => {
  for (const bad of ['frobnicate', 'si -1', 'b entry:1x', 'b a:b:c', 'x/9q 0', 'print', 'catch nothing', 'info nonsense', 'p 1 +']) {
    const r = parseCommand(bad);
    assert.equal(r.ok, false, bad);
    assert.ok(!r.ok && r.error.message.length > 0);
  }
});

test('expressions evaluate with u64 wrap-around, derefs and short-circuit', () => {
  const mem = new Map<bigint, number>([
    [0x1000n, 0xff],
    [0x1001n, 0xff],
    [0x1002n, 0xff],
    [0x1003n, 0xff],
  ]);
  const env: ExprEnv = {
    reg: (n) => (({ r1: 5n, r10: 0x1008n }) as Record<string, bigint>)[n],
    sym: () => undefined,
    read: (a, size) => {
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) {
        const b = mem.get(a + BigInt(i));
        if (b === undefined) return undefined;
        v = (v << 8n) | BigInt(b);
      }
      return v;
    },
  };
  const ev = (s: string) => {
    const e = parseExpr(s);
    assert.ok(e.ok, s);
    const r = evalExpr(e.value, env);
    assert.ok(r.ok, s);
    return r.value;
  };
  assert.equal(ev('$r1 == 5 && $r1 + 1 == 6'), 1n);
  assert.equal(ev('0 - 1'), 0xffffffffffffffffn);
  assert.equal(ev('*(u32 *)($r10 - 8)'), 0xffffffffn);
  assert.equal(ev('*(s32 *)($r10 - 8)'), 0xffffffffffffffffn);
  assert.equal(ev('2 + 3 * 4'), 14n);
  assert.equal(ev('(2 + 3) * 4'), 20n);
  assert.equal(ev('0 && *(u8 *)0'), 0n);
  const unmapped = parseExpr('*(u8 *)0x42');
  assert.ok(unmapped.ok);
  const r = evalExpr(unmapped.value, env);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error.message : '', /cannot access memory at address 0x42/);
});

test('OBJ:PROG and OBJ:PROG:INSN locations name a program of one object; OBJ:NAME is one symbol in expressions', () => {
  assert.deepEqual((cmd('b tailcall_bpf2bpf_fentry:fentry') as { loc: unknown }).loc, { kind: 'program', prog: 'tailcall_bpf2bpf_fentry:fentry' });
  assert.deepEqual((cmd('b main:entry:3') as { loc: unknown }).loc, { kind: 'insn', prog: 'main:entry', insn: 3 });
  assert.deepEqual(cmd('p fentry_obj:count + 1'), {
    kind: 'print',
    exprText: 'fentry_obj:count + 1',
    format: null,
    expr: { kind: 'binary', op: '+', left: { kind: 'sym', name: 'fentry_obj:count' }, right: { kind: 'num', value: 1n } },
  });
});

test('load, attach, detach, pin, unpin and unload parse into setup steps', () => {
  const step = (s: string): unknown => {
    const c = cmd(s);
    assert.equal(c.kind, 'setup', s);
    return c.kind === 'setup' ? c.step : null;
  };
  assert.deepEqual(step('load f.o'), { op: 'load', file: 'f.o' });
  assert.deepEqual(step('load m=dir/f.o:fentry=tc:classifier_0:subprog_tail,other --reuse-map jt=/sys/fs/bpf/jt'), {
    op: 'load',
    file: 'dir/f.o',
    name: 'm',
    programs: ['fentry', 'other'],
    targets: [{ prog: 'fentry', target: { prog: 'tc:classifier_0', func: 'subprog_tail' } }],
    reuse: [{ map: 'jt', path: '/sys/fs/bpf/jt' }],
  });
  assert.deepEqual(step('attach fentry classifier_0:subprog_tail'), { op: 'attach', prog: 'fentry', target: { prog: 'classifier_0', func: 'subprog_tail' } });
  assert.deepEqual(step('attach obj:fentry'), { op: 'attach', prog: 'obj:fentry' });
  assert.deepEqual(step('attach f.o'), { op: 'load', file: 'f.o', attach: 'all' });
  assert.deepEqual(step('attach f.o:fexit=entry:subprog_tail'), {
    op: 'load',
    file: 'f.o',
    targets: [{ prog: 'fexit', target: { prog: 'entry', func: 'subprog_tail' } }],
    attach: ['fexit'],
  });
  assert.deepEqual(step('detach 3'), { op: 'detach', link: 3 });
  assert.deepEqual(step('detach obj:fentry'), { op: 'detach', prog: 'obj:fentry' });
  assert.deepEqual(step('pin obj:jmp_table /sys/fs/bpf/jt'), { op: 'pin', map: 'obj:jmp_table', path: '/sys/fs/bpf/jt' });
  assert.deepEqual(step('unpin /sys/fs/bpf/jt'), { op: 'unpin', path: '/sys/fs/bpf/jt' });
  assert.deepEqual(step('unload obj'), { op: 'unload', object: 'obj' });
  assert.deepEqual(cmd('info links'), { kind: 'info', topic: 'links', arg: null });
  assert.deepEqual(cmd('info objects'), { kind: 'info', topic: 'objects', arg: null });
  for (const bad of [
    'load',
    'attach',
    'attach a b c',
    'attach f.o:x=y',
    'detach',
    'pin m /tmp/m',
    'pin m',
    'unpin',
    'load f.o --reuse-map jt=/tmp/jt',
    'attach prog --reuse-map a=/sys/fs/bpf/a',
  ]) {
    const r = parseCommand(bad);
    assert.equal(r.ok, false, bad);
    assert.ok(!r.ok && r.error.message.length > 0);
  }
});
