#!/usr/bin/env node
// Installs what bpfdbg needs and is missing: npm packages, and the Unicorn emulator library
// (Debian/Ubuntu package libunicorn2). Run by `npm start` and `npm test` before anything else,
// so both work on a fresh machine. Uses only Node built-ins: node_modules may not exist yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--for-tests');
const quiet = process.argv.includes('--quiet');
const say = (m) => {
  if (!quiet) process.stderr.write(`setup: ${m}\n`);
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });
  return r.status === 0;
}

// 1. npm packages: install when node_modules is missing or older than package.json.
function npmPackagesPresent() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  return names.every((n) => existsSync(join(root, 'node_modules', n, 'package.json')));
}
if (!npmPackagesPresent()) {
  say('installing npm packages');
  const lock = existsSync(join(root, 'package-lock.json'));
  if (!run('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund'])) {
    process.stderr.write('bpfdbg: npm install failed; run `npm install` in ' + root + ' and retry\n');
    process.exit(1);
  }
}

// 2. Unicorn 2 (libunicorn.so.2).
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu'];
function unicornPresent() {
  if (process.env.BPFDBG_UNICORN_LIB && existsSync(process.env.BPFDBG_UNICORN_LIB)) return true;
  if (LIB_DIRS.some((d) => existsSync(join(d, 'libunicorn.so.2')))) return true;
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libunicorn.so.2');
  } catch {
    return false;
  }
}

function aptInstall(pkgs) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!isRoot && !sudo) return false;
  const pre = sudo ? ['sudo', '-n'] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => run(pre[0] ?? 'apt-get', pre.length ? [...pre.slice(1), 'apt-get', ...args] : args, { env });
  say(`installing ${pkgs.join(' ')} with apt-get`);
  if (!apt(['install', '-y', '--no-install-recommends', ...pkgs])) {
    apt(['update']);
    return apt(['install', '-y', '--no-install-recommends', ...pkgs]);
  }
  return true;
}

if (!unicornPresent()) {
  if (!aptInstall(['libunicorn2']) || !unicornPresent()) {
    process.stderr.write(
      'bpfdbg: the Unicorn emulator library (libunicorn.so.2) is missing.\n' +
        '  Install it with:  sudo apt-get install libunicorn2\n' +
        '  (or set BPFDBG_UNICORN_LIB=/path/to/libunicorn.so.2)\n',
    );
    process.exit(1);
  }
}

// 3. The compiled JavaScript bin/bpfdbg starts from (scripts/build.mjs), when the sources
// are newer than it. Without it bin/bpfdbg still works, through tsx, only slower to start.
const { distFresh } = await import('./distFresh.mjs');
if (!distFresh()) {
  say('compiling src/ to dist/');
  try {
    await (await import('./build.mjs')).buildDist();
  } catch (e) {
    say(`build failed (bin/bpfdbg will run the sources through tsx): ${e instanceof Error ? e.message : e}`);
  }
}

// 4. For the test suite: tmux drives the end-to-end TUI test.
if (forTests && spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) {
  if (!aptInstall(['tmux'])) say('tmux is missing and cannot be installed: the end-to-end TUI test will skip');
}

// 4. For the test suite: Debian's gdb drives `bpfdbg OBJ --gdb` (test/gdbstub/gdb.test.ts).
if (forTests && spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status !== 0) {
  if (!aptInstall(['gdb'])) say('gdb is missing and cannot be installed: the gdb remote-protocol test will skip');
}
