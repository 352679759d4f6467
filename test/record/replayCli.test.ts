// `bpfdbg replay`: a sample replays in batch mode and takes commands at its end; a damaged
// file is one line on stderr naming where, and a non-zero exit — never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './fixture.ts';
import { present } from '../support/required.ts';

const run = (args: string[], input = ''): { code: number | null; out: string; err: string } => {
  const r = spawnSync(path.join(repoRoot, 'bin/bpfdbg'), args, { cwd: repoRoot, input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('replay --batch --json prints a summary, then one object per command, reverse ones included', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
  const cmds = path.join(dir, 'cmds');
  writeFileSync(cmds, 'reverse-stepi 3\ninfo registers\nstepi 3\n');
  const r = run(['replay', 'sessions/selfloop-33-hops.bpfrec', '--batch', '-x', cmds, '--json']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!['schema'], 'bpfdbg.replay/1');
  assert.equal(lines[0]!['ok'], true);
  assert.deepEqual(
    lines.slice(1).map((l) => [l['command'], l['ok']]),
    [
      ['reverse-stepi 3', true],
      ['info registers', true],
      ['stepi 3', true],
    ],
  );
});

test('a recording with one flipped byte fails with one line naming the section, exit 1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
  const bytes = readFileSync(path.join(repoRoot, 'sessions/privstack-run.bpfrec'));
  bytes[bytes.length - 200] ^= 0xff;
  const f = path.join(dir, 'bad.bpfrec');
  writeFileSync(f, bytes);
  const r = run(['replay', f, '--batch'], '');
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /bad\.bpfrec: section \S+ offset 0x[0-9a-f]+: section \S+ is corrupt/);
  assert.doesNotMatch(r.err, /at .*\.ts:\d+/);
});

test('bpfdbg MAIN.o --attach FENTRY.o:PROG=TARGET:FUNC --record FILE, then replay FILE without the object files', (t) => {
  const src = path.join(repoRoot, '../shared/testdata/kernel-selftests/obj');
  if (!present(src, 'test input')) return t.skip('../shared/testdata/kernel-selftests is absent');
  const dir = mkdtempSync(path.join(tmpdir(), 'attach-'));
  // Copies that disappear before the replay: the recording must carry every object.
  for (const f of ['tailcall_bpf2bpf2.o', 'tailcall_bpf2bpf_fentry.o']) copyFileSync(path.join(src, f), path.join(dir, f));
  const rec = path.join(dir, 's.bpfrec');
  const cmds = path.join(dir, 'cmds');
  writeFileSync(cmds, 'break fentry\nrun\nbt\ninfo links\ndelete\ncontinue\nprint tailcall_bpf2bpf_fentry:count\n');
  const r = run([
    path.join(dir, 'tailcall_bpf2bpf2.o'),
    '--prog',
    'entry',
    '--map-update',
    'jmp_table:0=classifier_0',
    '--data-hex',
    '00'.repeat(128),
    '--attach',
    `${path.join(dir, 'tailcall_bpf2bpf_fentry.o')}:fentry=classifier_0:subprog_tail`,
    '--record',
    rec,
    '--batch',
    '-x',
    cmds,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /in bpf_trampoline_\d+ \[trampoline of subprog_tail \(classifier_0\)/);
  assert.match(r.out, /\(bpfdbg\) print tailcall_bpf2bpf_fentry:count\n\$ = 33\n/);
  for (const f of ['tailcall_bpf2bpf2.o', 'tailcall_bpf2bpf_fentry.o']) rmSync(path.join(dir, f));
  writeFileSync(cmds, 'info links\nprint tailcall_bpf2bpf_fentry:count\n');
  const p = run(['replay', rec, '--batch', '-x', cmds]);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /1: fentry \(fentry\) -> subprog_tail of classifier_0 {2}site 0x[0-9a-f]+: call bpf_trampoline_\d+\+0x0\n/);
  assert.match(p.out, /\$ = 33\n/);
});

test('a bad --attach is one line naming the option and the problem, exit 1 (input) or 2 (usage)', () => {
  const bad = run(['examples/tailchain.o', '--attach', 'nosuch.o', '--batch']);
  assert.equal(bad.code, 1);
  assert.equal(bad.err.trim().split('\n').length, 1);
  assert.match(bad.err, /^bpfdbg: nosuch\.o: attach nosuch\.o: no such file$/m);
  const usage = run(['examples/tailchain.o', '--reuse-map', 'chain=/sys/fs/bpf/chain', '--batch']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--reuse-map chain=\/sys\/fs\/bpf\/chain: it follows the --load or --attach FILE\.o it is for/);
  const notAttachable = run(['examples/tailchain.o', '--attach', 'stage_parse', '--batch']);
  assert.equal(notAttachable.code, 1);
  assert.match(
    notAttachable.err,
    /attach stage_parse: stage_parse is a \w+ program: only fentry, fexit, fmod_ret and freplace programs attach to BPF functions/,
  );
});

test('bpfdbg OBJ --arch riscv64 --record FILE, then replay FILE --batch --json: the RISC-V engine, its registers, reverse commands', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rv-'));
  const rec = path.join(dir, 'rv.bpfrec');
  const cmds = path.join(dir, 'cmds');
  writeFileSync(cmds, 'break stage_count\nrun\ncontinue\nreverse-continue\nreverse-stepi 5\nreverse-next\n');
  const r = run(['examples/tailchain.o', '--arch', 'riscv64', '--profile', 'tcc-on-stack', '--record', rec, '--batch', '-x', cmds]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Breakpoint 1 \(reverse\), instruction \d+\n/);
  assert.match(r.err, /^recorded 6 commands, \d+ instructions to .*rv\.bpfrec$/m);
  writeFileSync(cmds, 'info registers\nreverse-stepi 3\nreverse-finish\nreverse-step\ncontinue\n');
  const p = run(['replay', rec, '--batch', '-x', cmds, '--json']);
  assert.equal(p.code, 1, 'reverse-finish in the outermost frame fails (and says so)');
  const lines = p.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual([lines[0]!['ok'], lines[0]!['engine'], lines[0]!['commands']], [true, 'bpfdbg-0.1.0/riscv64-unicorn2', 6]);
  assert.deepEqual(
    lines.slice(1).map((l) => [l['command'], l['ok']]),
    [
      ['info registers', true],
      ['reverse-stepi 3', true],
      ['reverse-finish', false],
      ['reverse-step', true],
      ['continue', true],
    ],
  );
  const regs = (lines[1]!['output'] as string[]).join('\n');
  assert.match(regs, /^s0 +0x[0-9a-f]+ +\*? *frame pointer \(CFA\)$/m);
  assert.match(regs, /^pc +0x[0-9a-f]+/m);
  assert.match(String((lines[3]!['error'] as { message: string }).message), /outermost frame/);
});

test('--arch riscv64 --profile NAME --record FILE with an unknown profile is one line, exit 2 (a usage error), and writes no file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rv-'));
  const rec = path.join(dir, 'rv.bpfrec');
  const r = run(['examples/tailchain.o', '--arch', 'riscv64', '--profile', 'nosuch', '--record', rec, '--batch'], 'run\n');
  assert.equal(r.code, 2);
  assert.match(r.err.trim(), /^bpfdbg: unknown riscv64 profile 'nosuch' \([^\n]*\)$/);
  assert.ok(!existsSync(rec));
});
