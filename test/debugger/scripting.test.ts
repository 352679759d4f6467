// gdb's scripting and control commands, as batch transcripts show them: source (errors
// name FILE:LINE, nesting bounded), breakpoint commands (silent, continue), ignore, save
// breakpoints (reloaded by source), echo, printf, bt full, advance, jump, info symbol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../../src/debugger/batch.ts';
import type { CommandExecutor } from '../../src/debugger/batch.ts';
import { formatPrintf } from '../../src/debugger/printfFormat.ts';
import { exec, openExample, outText } from './fixture.ts';
import { recordScript, replay, roundTrip } from '../record/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'bpfdbg-script-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** The batch text transcript of `cmds` (what `bpfdbg OBJ --batch -x FILE` prints). */
async function transcript(s: CommandExecutor, cmds: string[]): Promise<{ out: string; failed: number }> {
  let out = '';
  const { failed } = await runBatch(s, cmds, (t) => (out += t), false);
  return { out, failed };
}

test('source runs a file of commands as typed (comments and blank lines skipped)', async () => {
  const s = await openExample('tailchain');
  const f = file('setup.gdb', '# set up\nbreak stage_count\n\nbreak stage_verdict\n');
  const { out, failed } = await transcript(s, [`source ${f}`, 'info breakpoints']);
  assert.equal(failed, 0);
  assert.match(out, /Breakpoint 1 at stage_count .*\nBreakpoint 2 at stage_verdict/);
  assert.match(out, /\n1 +breakpoint +y .* stage_count\n2 +breakpoint +y .* stage_verdict\n/);
  s.dispose();
});

test('source stops at the first failing command, naming the file and its line, once', async () => {
  const s = await openExample('tailchain');
  const f = file('bad.gdb', 'break entry\n# next one fails\ndelete 9\nbreak stage_count\n');
  const r = await s.execute(`source ${f}`);
  assert.equal(r.ok, false);
  assert.equal(r.error!.message, `${f}:3: no breakpoint number 9`);
  assert.equal(r.output.filter((l) => l.kind === 'error').length, 1);
  assert.equal(s.view().breakpoints.length, 1, 'the line after the failing one did not run');
  const missing = await s.execute(`source ${join(dir, 'nope.gdb')}`);
  assert.equal(missing.ok, false);
  assert.match(missing.error!.message, /^source: .*nope\.gdb/);
  s.dispose();
});

test('a file that sources itself stops at the nesting bound with an error naming it', async () => {
  const s = await openExample('tailchain');
  const f = join(dir, 'self.gdb');
  writeFileSync(f, `echo x\nsource ${f}\n`);
  const r = await s.execute(`source ${f}`);
  assert.equal(r.ok, false);
  assert.match(r.error!.message, /self\.gdb:2: .*source: .*self\.gdb: sourced files nest more than 10 deep/);
  s.dispose();
});

test('breakpoint commands run at each stop; silent hides the stop and continue resumes to the next one', async () => {
  const s = await openExample('selfloop');
  const { out, failed } = await transcript(s, ['break loop', 'commands', 'silent', 'printf "runs=%u\\n", runs', 'continue', 'end', 'run']);
  assert.equal(failed, 0);
  assert.match(out, /\(bpfdbg\) commands\nType commands for breakpoint\(s\) 1, one per line\.\nEnd with a line saying just "end"\.\n/);
  const runOut = out.slice(out.indexOf('(bpfdbg) run'));
  // 34 entries of loop (33 tail calls then the limit): each stop prints and continues.
  const lines = runOut.split('\n').filter((l) => l.startsWith('runs='));
  assert.deepEqual(
    lines,
    Array.from({ length: 34 }, (_, k) => `runs=${k}`),
  );
  assert.doesNotMatch(runOut, /Breakpoint 1,/);
  assert.match(runOut, /\[loop exited with retval 34/);
  assert.equal(s.view().breakpoints[0]!.hits, 34);
  s.dispose();
});

test('breakpoint commands without continue leave the program stopped after they ran', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break stage_count', 'commands 1', 'print hops', 'echo stopped in stage_count\\n', 'end');
  const r = outText(await exec(s, 'run'));
  assert.match(r, /Breakpoint 1, stage_count:0 .*\n\$ = 1\nstopped in stage_count$/);
  assert.equal(s.view().location?.func, 'stage_count');
  s.dispose();
});

test('ignore N COUNT passes the breakpoint COUNT times (hits still count), then it stops', async () => {
  const s = await openExample('selfloop');
  await exec(s, 'break loop');
  assert.equal(outText(await exec(s, 'ignore 1 3')), 'Will ignore next 3 crossings of breakpoint 1.');
  const v = (await exec(s, 'run')).view;
  assert.equal(v.stop?.kind, 'breakpoint');
  assert.equal(v.breakpoints[0]!.hits, 4);
  assert.equal(outText(await exec(s, 'print runs')), '$ = 3');
  assert.equal((await s.execute('ignore 7 1')).error!.message, 'no breakpoint number 7');
  s.dispose();
});

test('save breakpoints writes commands that source recreates: conditions, commands, ignore counts, disabled, tbreak, catchpoints', async () => {
  const a = await openExample('tailchain');
  await exec(
    a,
    'break stage_count if hops > 1',
    'commands',
    'silent',
    'print hops',
    'end',
    'ignore 1 2',
    'tbreak tailchain.c:29',
    'disable 2',
    'catch tailcall',
    'break entry:10',
  );
  const saved = join(dir, 'bps.gdb');
  assert.equal(outText(await exec(a, `save breakpoints ${saved}`)), `Saved to file '${saved}'.`);
  assert.equal(
    readFileSync(saved, 'utf8'),
    [
      '# bpfdbg breakpoints: reload with "source FILE"',
      'break stage_count if hops > 1',
      '  commands',
      '    silent',
      '    print hops',
      '  end',
      'ignore $bpnum 2',
      'tbreak tailchain.c:29',
      'disable $bpnum',
      'catch tailcall',
      'break entry:10',
      '',
    ].join('\n'),
  );
  const before = outText(await exec(a, 'info breakpoints'));
  a.dispose();
  const b = await openExample('tailchain');
  await exec(b, `source ${saved}`);
  assert.equal(outText(await exec(b, 'info breakpoints')), before);
  // The View (batch --json's breakpoints) carries them too.
  const bp1 = b.view().breakpoints.find((x) => x.id === 1)!;
  assert.deepEqual(bp1.commands, ['silent', 'print hops']);
  assert.equal(bp1.ignoreCount, 2);
  b.dispose();
});

test('echo decodes gdb escapes and prints no newline of its own; text waits for the rest of its line', async () => {
  const s = await openExample('tailchain');
  assert.equal(outText(await exec(s, 'echo a\\tb\\\\c\\"d\\101\\n')), 'a\tb\\c"dA');
  const f = file('echo.gdb', 'echo one\\040\necho two\\n\nprintf "%d-%d\\n", 1, 2\necho left over\n');
  assert.equal(outText(await exec(s, `source ${f}`)), 'one two\n1-2\nleft over');
  s.dispose();
});

test('printf formats as C: flags, width, precision, l/ll, %s from guest memory, %c %p %%', () => {
  const mem = new Map<bigint, string>([[0x1000n, 'stage_count']]);
  const f = (fmt: string, ...values: bigint[]): string => {
    const r = formatPrintf(fmt, { values, string: (a) => mem.get(a) });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  };
  assert.equal(f('%d %i %u', 0xffffffffn, 5n, 0xffffffffn), '-1 5 4294967295');
  assert.equal(f('%ld %lu', 0xffffffffffffffffn, 0xffffffffffffffffn), '-1 18446744073709551615');
  assert.equal(f('%x %X %#x %08x %-4x|', 255n, 255n, 255n, 255n, 10n), 'ff FF 0xff 000000ff a   |');
  assert.equal(f('%lx %llx %#lx', 0xffffffffc0000000n, 1n << 40n, 16n), 'ffffffffc0000000 10000000000 0x10');
  assert.equal(f('%5d|%-5d|%+d|%05d', 42n, 42n, 42n, -42n & 0xffffffffn), '   42|42   |+42|-0042');
  assert.equal(f('%s %.5s %c %p %%', 0x1000n, 0x1000n, 65n, 0xffff888300000000n), 'stage_count stage A 0xffff888300000000 %');
  const missing = formatPrintf('%d %d', { values: [1n], string: () => undefined });
  assert.ok(!missing.ok && /missing an argument for '%d'/.test(missing.error.message));
  const extra = formatPrintf('%d', { values: [1n, 2n], string: () => undefined });
  assert.ok(!extra.ok && /1 argument\(s\) more than the format uses/.test(extra.error.message));
  const bad = formatPrintf('%s', { values: [0n], string: () => undefined });
  assert.ok(!bad.ok && /cannot access memory at address 0x0/.test(bad.error.message));
});

test('printf evaluates its arguments as print does; a bad format is a usage error', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break stage_count', 'run');
  assert.equal(outText(await exec(s, 'printf "hops=%u next=%d ctx=%#lx\\n", hops, next_slot, $r1')), 'hops=1 next=2 ctx=0xffff888300000000');
  assert.equal((await s.execute('printf hops')).error!.message, 'printf: usage: printf "FORMAT", EXPR...');
  s.dispose();
});

test('bt full shows every frame with its stack slots, saved registers and private-stack guards', async () => {
  const s = await openExample('privstack');
  await exec(s, 'break mix', 'run');
  const bt = outText(await exec(s, 'bt full'));
  const frames = bt.split('\n').filter((l) => l.startsWith('#'));
  assert.deepEqual(
    frames.map((l) => / in (\w+) /.exec(l)![1]),
    ['mix', 'fold', 'trace_enter'],
  );
  // mix and fold run on private stacks: r9 frames with intact guards at both ends.
  const mix = bt.slice(0, bt.indexOf('#1'));
  assert.match(mix, /\n {8}r9 = 0x[0-9a-f]+, BPF stack on the per-CPU private stack\n/);
  assert.match(mix, /return address +0xffffffffc[0-9a-f]+ +fold\+0x/);
  assert.match(mix, /r9\+0 +guard \(high\) +0xeb9f12345678eb9f +guard intact/);
  assert.match(mix, /guard \(low\) +0xeb9f12345678eb9f +guard intact/);
  assert.equal(mix.split('\n').filter((l) => /R10-\d+/.test(l)).length, 12, '96 bytes of BPF stack');
  const entry = bt.slice(bt.indexOf('#2'));
  assert.match(entry, /rbp-8 +R10-8 +0x7\b/);
  assert.match(entry, /return address +0xffffffff84000000 +sentinel/);
  s.dispose();
});

test('advance runs to a location (or until the current frame returns)', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break entry', 'run');
  const r = await exec(s, 'advance stage_verdict');
  assert.equal(r.view.location?.func, 'stage_verdict');
  assert.equal(r.view.location?.insn, 0);
  s.dispose();
});

test('jump resumes at a BPF instruction of the current function (its native address) and continues', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break entry', 'run');
  // entry:11 is after the tail call: jumping there skips it, so entry returns 30.
  const r = await exec(s, 'jump entry:11');
  const text = outText(r);
  assert.match(text, /^Continuing at 0xffffffffc03[0-9a-f]+\.\n/);
  assert.match(text, /\[entry exited with retval 30 /);
  assert.doesNotMatch(text, /tail call/);
  s.dispose();
});

test('jump refuses a location in another function, naming both', async () => {
  const s = await openExample('privstack');
  await exec(s, 'break mix', 'run');
  const r = await s.execute('jump trace_enter:3');
  assert.equal(r.ok, false);
  assert.equal(
    r.error!.message,
    'jump: trace_enter:3 is in trace_enter, not in the current function trace_enter/mix; jump stays within one function (its frame layout)',
  );
  assert.equal(s.view().location?.func, 'mix', 'the PC did not move');
  assert.equal((await s.execute('jump *0xffffffffc0000221')).error?.code, 'debug.jump', 'mid-instruction');
  s.dispose();
});

test('info symbol names code, instructions, globals, map values and other regions', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break stage_count', 'run');
  assert.match(outText(await exec(s, 'info symbol $pc')), /^0xffffffffc010001a: stage_count \+ 26 in section tc \(BPF insn 0\)$/);
  assert.match(outText(await exec(s, 'info symbol entry:10')), /^0xffffffffc03[0-9a-f]+: entry \+ \d+ in section tc \(BPF insn 10\)$/);
  assert.match(outText(await exec(s, 'info symbol hops')), /^0xffff8881[0-9a-f]+: hops in section \.bss \(map tailchai\.bss\)$/);
  assert.match(outText(await exec(s, 'info symbol bytes_seen')), /: bytes_seen in section \.bss/);
  assert.match(outText(await exec(s, 'info symbol $r1 + 4')), /^0xffff888300000004: ctx \+ 4$/);
  assert.match(outText(await exec(s, 'info symbol $sp')), /: kernel stack cpu0 \+ \d+$/);
  assert.match(outText(await exec(s, 'info symbol 0xffffffff81000010')), /: bpf_map_lookup_elem \(helper trap page\)$/);
  assert.equal(outText(await exec(s, 'info symbol 0x1234')), 'No symbol matches 0x1234.');
  s.dispose();
});

test('in a recording session breakpoint commands and sourced files run as typed, and the recording replays', async () => {
  const f = file('rec.gdb', 'break stage_count\ncommands\nsilent\nprint hops\ncontinue\nend\n');
  const { rec, outputs } = await recordScript('examples/tailchain.o', [`source ${f}`, 'break stage_verdict', 'run', 'reverse-stepi 3', 'stepi 3']);
  assert.deepEqual(
    outputs.map((o) => o.split(' -> ')[1]),
    ['ok', 'ok', 'ok', 'ok', 'ok'],
  );
  assert.equal(rec.tts.view().location?.func, 'stage_verdict');
  const r = await replay(roundTrip(rec.toRecording()));
  rec.tts.session.dispose();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.commands, 5);
});

test('info memory lists every mapped region with permissions, and the parts inside: functions, globals, private stacks and their guards', async () => {
  const s = await openExample('privstack');
  await exec(s, 'break mix', 'run');
  const m = outText(await exec(s, 'info memory'));
  const rows = m.split('\n');
  assert.match(rows[0]!, /^Start +End +Perm +Size +Name$/);
  const row = (name: RegExp): string => rows.find((r) => name.test(r)) ?? assert.fail(`no row ${name}\n${m}`);
  assert.match(row(/ text trace_enter /), /^0xffffffffc0000000 0xffffffffc0001000 r-x +0x1000 +text trace_enter \(trace_enter, fold, mix\)$/);
  assert.match(row(/^ +0x\S+ +0x\S+ +0x\S+ +mix \(insns/), /mix \(insns 96\.\.188\)/);
  assert.match(row(/ kernel stack cpu0$/), /^0xffffc90010000000 0xffffc90010004000 rw- +0x4000 /);
  assert.match(row(/ percpu cpu0$/), / rw- /);
  // The private stack of mix: 96 bytes between two guard words, R10 at its top.
  assert.match(row(/guard \(low\) of trace_enter\/mix/), / 0x8 +guard/);
  assert.match(row(/private stack of trace_enter\/mix/), / 0x60 +private stack of trace_enter\/mix \(R10 = 0xffff8884000200c8\)$/);
  assert.match(row(/guard \(high\) of trace_enter\/mix/), /^ +0xffff8884000200c8 /);
  assert.match(row(/ result \(\.bss\)$/), / 0x8 +result/);
  for (const name of [/ ctx$/, / packet$/, / helper trap page/, / return sentinel/, / map privstac\.bss$/]) assert.match(row(name), / r[w-][x-] /);
  s.dispose();
});

test("help lists the scripting, control and layout commands; layout and focus say they are the TUI's", async () => {
  const s = await openExample('tailchain');
  const help = outText(await exec(s, 'help'));
  for (const c of ['source', 'commands', 'ignore', 'save', 'echo', 'printf', 'advance', 'jump', 'layout', 'focus'])
    assert.match(help, new RegExp(`^${c}\\b`, 'm'), c);
  assert.match(outText(await exec(s, 'help info')), /symbol ADDR \| memory/);
  assert.match(outText(await exec(s, 'help bt')), /^backtrace \[full\] \[N\]/);
  const r = await s.execute('layout src');
  assert.equal(r.error?.code, 'debug.tui-only');
  s.dispose();
});

test('completion offers the new info topics and the words layout, focus, save and bt take', async () => {
  const s = await openExample('tailchain');
  assert.deepEqual(s.completions('info sy'), ['symbol']);
  assert.deepEqual(s.completions('info me'), ['memory']);
  assert.deepEqual(s.completions('layout s'), ['split', 'src']);
  assert.deepEqual(s.completions('focus c'), ['cmd']);
  assert.deepEqual(s.completions('save b'), ['breakpoints']);
  assert.deepEqual(s.completions('bt f'), ['full']);
  s.dispose();
});
