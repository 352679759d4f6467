// Debian's gdb against `bpfdbg OBJ --gdb`: connect, load the symbol file `dump --jited
// --elf` writes, break on a C line, step machine instructions across a direct tail call,
// read a register and the code, step backwards over the tail call, continue to the exit.
// gdb is installed by the test setup (scripts/setup.mjs --for-tests); without it the
// test skips saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/bpfdbg');
const hasGdb = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;

/** Starts `bpfdbg ARGS --gdb 127.0.0.1:0`; resolves with the port it announces. */
function startStub(args: string[]): Promise<{ port: number; exit: Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(BIN, [...args, '--gdb', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exit = new Promise<{ code: number | null; stderr: string }>((r) => child.on('exit', (code) => r({ code, stderr })));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      const m = /waiting for gdb on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve({ port: Number(m[1]), exit });
    });
    child.on('exit', () => reject(new Error(`bpfdbg --gdb ended before listening: ${stderr}`)));
  });
}

function gdbBatch(port: number, commands: string[]): string {
  const r = spawnSync(
    'gdb',
    ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', `target remote 127.0.0.1:${port}`, ...commands.flatMap((c) => ['-ex', c])],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return `${r.stdout}${r.stderr}`;
}

test(
  'gdb: break on a C line, stepi across a tail call, registers, x/i, reverse-stepi, continue to exit',
  { skip: hasGdb ? false : 'gdb is not installed (apt-get install gdb; scripts/setup.mjs --for-tests does it as root)' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfdbg-gdb-'));
    const elf = join(dir, 'tailchain.elf');
    const dump = spawnSync(BIN, ['dump', 'examples/tailchain.o', '--jited', '--elf', elf], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    const stub = await startStub(['examples/tailchain.o']);
    // From the breakpoint at line 53 (entry+0x20) the 17th machine instruction is the
    // patched `jmp stage_parse+12` of the direct tail call; the 18th lands in stage_parse.
    const out = gdbBatch(stub.port, [
      `add-symbol-file ${elf}`,
      'break tailchain.c:53',
      'continue',
      ...Array.from({ length: 16 }, () => 'stepi'),
      'x/1i $pc',
      'stepi',
      'stepi',
      'info registers rax',
      'x/5i $pc',
      'reverse-stepi',
      'reverse-stepi',
      'x/1i $pc',
      'continue',
    ]);
    const { code, stderr } = await stub.exit;
    assert.equal(code, 0, stderr);
    assert.match(out, /Breakpoint 1 at 0xffffffffc0300020: file \S*tailchain\.c, line 53\./);
    assert.match(out, /Breakpoint 1, entry \(\) at \S*tailchain\.c:53\n53\s+hops = 0;/);
    // The tail call is a jmp patched in by the poke descriptor (state B).
    assert.match(out, /=> 0xffffffffc030005c <entry\+92>:\s+jmp\s+0xffffffffc000000c <stage_parse\+12>/);
    // It lands past stage_parse's tail-call entry offset, in the prologue (insn 0's line).
    assert.match(out, /0xffffffffc000000c in stage_parse \(\) at \S*tailchain\.c:43/);
    // 6.12+: a main program's tail callee gets the counter's value in rax (1: one hop),
    // which the prologue tells from a pointer by comparing it with MAX_TAIL_CALL_CNT.
    assert.match(out, /rax\s+0x1\s+1\n/);
    assert.match(out, /=> 0xffffffffc00000[0-9a-f]{2} <stage_parse\+\d+>:/);
    // Two steps back: to the landing, then across the tail call to the jmp in entry.
    const afterReverse = out.slice(out.indexOf('=> 0xffffffffc00000'));
    assert.match(afterReverse, /=> 0xffffffffc030005c <entry\+92>:\s+jmp/);
    // The engine's notes reach gdb's console while the program runs.
    assert.match(out, /tail call stage_parse:11 -> stage_count via chain\[1\] \(direct\)/);
    assert.match(out, /\[Inferior 1 \(Remote target\) exited with code 01\]/);
  },
);
