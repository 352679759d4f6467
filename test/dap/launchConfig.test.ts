// The launch configuration VS Code sends (editors/vscode/package.json documents it) is
// the `bpfdbg OBJ` command line in JSON: every documented field reaches the option it
// names, and a bad one is the CLI's one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchArgv } from '../../src/cli/commands/dap.ts';
import { parseCli } from '../../src/cli/options.ts';
import { BpfdbgError } from '../../src/common/diag.ts';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'editors/vscode/package.json'), 'utf8'));
const dbg = pkg.contributes.debuggers[0];

test('the extension contributes the bpfdbg debug type with launch and attach attributes', () => {
  assert.equal(dbg.type, 'bpfdbg');
  assert.deepEqual(dbg.configurationAttributes.launch.required, ['program']);
  assert.deepEqual(dbg.configurationAttributes.attach.required, ['recording']);
  assert.ok(dbg.configurationSnippets.length >= 3);
});

test('every documented launch field becomes the command-line option it stands for', () => {
  const documented = Object.keys(dbg.configurationAttributes.launch.properties).sort();
  const c = {
    program: 'examples/tailchain.o',
    prog: 'entry',
    arch: 'riscv64' as const,
    profile: 'upstream',
    data: 'pkt.bin',
    ctx: 'ctx.bin',
    mapUpdates: ['chain:0=stage_verdict'],
    record: 'out.bpfrec',
    stopOnEntry: true,
    args: ['--force'],
    dataHex: 'aa',
  };
  assert.deepEqual(Object.keys(c).sort(), documented);
  const o = parseCli(launchArgv({ ...c, data: undefined }));
  assert.equal(o.command, 'debug');
  assert.equal(o.file, 'examples/tailchain.o');
  assert.equal(o.prog, 'entry');
  assert.equal(o.arch, 'riscv64');
  assert.equal(o.profile, 'upstream');
  assert.equal(o.dataHex, 'aa');
  assert.equal(o.ctx, 'ctx.bin');
  assert.deepEqual(o.mapUpdates, [{ map: 'chain', key: 0, prog: 'stage_verdict' }]);
  assert.equal(o.record, 'out.bpfrec');
  assert.equal(o.force, true);
  assert.equal(parseCli(launchArgv({ program: 'x.o', record: true })).record, true);
  assert.equal(parseCli(launchArgv({ program: 'x.o', data: 'p.bin' })).data, 'p.bin');
});

test('a bad field is the CLI error, one line', () => {
  assert.throws(
    () => parseCli(launchArgv({ program: 'x.o', arch: 'arm64' as never })),
    (e: unknown) => e instanceof BpfdbgError && /unknown --arch 'arm64'/.test(e.message),
  );
  assert.throws(
    () => launchArgv({} as never),
    (e: unknown) => e instanceof BpfdbgError && /"program" names the BPF object/.test(e.message),
  );
});
