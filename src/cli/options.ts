// Command-line parsing with node:util parseArgs. A bad option is a user error (one line).
import { parseArgs } from 'node:util';
import { fail } from '../common/diag.ts';
import { parseAttachSpec, parseLoadSpec, parsePin, parseReuse } from '../debugger/commands/setupSpec.ts';
import type { SetupStep } from '../debugger/target/setup.ts';

export interface CliOptions {
  command: 'debug' | 'list' | 'dump' | 'run' | 'replay' | 'dap' | 'help';
  /** OBJ or, for replay, the recording. */
  file?: string;
  prog?: string;
  arch: 'x86_64' | 'riscv64';
  engine?: 'interp' | 'x86_64' | 'riscv64';
  profile?: string;
  data?: string;
  dataHex?: string;
  ctx?: string;
  mapUpdates: { map: string; key: number; prog: string }[];
  /** `--load`, `--attach`, `--pin` (and `--map-update`s after the first of them), in command-line order. */
  setup: SetupStep[];
  repeat: number;
  /** --max-memory: budget of guest memory for maps, bytes (undefined: the default). */
  maxMemory?: number;
  /** run --max-insns: the instruction budget of each run (undefined: the engine's default). */
  maxInsns?: number;
  json: boolean;
  batch: boolean;
  script?: string;
  record?: string | true;
  /** `replay --stop-at N | insn:COUNT`: pause the replay there (raw text, parsed by replay). */
  stopAt?: string;
  force: boolean;
  xlated: boolean;
  jited: boolean;
  raw: boolean;
  profiles: boolean;
  /** `--gdb [HOST:]PORT`: serve gdb's remote protocol on the loopback interface. */
  gdb?: number;
  /** `dump --jited --elf FILE`: write a symbol file for gdb. */
  elf?: string;
  /** `dap --port N`: serve DAP on 127.0.0.1:N instead of stdio. */
  port?: number;
}

const SUBCOMMANDS = new Set(['list', 'dump', 'run', 'replay', 'dap']);

export function parseCli(argv: string[]): CliOptions {
  let command: CliOptions['command'] = 'debug';
  let args = argv;
  if (args[0] && SUBCOMMANDS.has(args[0])) {
    command = args[0] as CliOptions['command'];
    args = args.slice(1);
  }
  // `--record` takes an optional value: normalise a bare one so parseArgs accepts it.
  args = args.flatMap((a, i) => (a === '--record' && (args[i + 1] === undefined || args[i + 1]!.startsWith('-')) ? ['--record=*'] : [a]));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        prog: { type: 'string' },
        arch: { type: 'string' },
        engine: { type: 'string' },
        profile: { type: 'string' },
        data: { type: 'string' },
        'data-hex': { type: 'string' },
        ctx: { type: 'string' },
        'map-update': { type: 'string', multiple: true },
        load: { type: 'string', multiple: true },
        attach: { type: 'string', multiple: true },
        pin: { type: 'string', multiple: true },
        'reuse-map': { type: 'string', multiple: true },
        repeat: { type: 'string' },
        'max-memory': { type: 'string' },
        'max-insns': { type: 'string' },
        json: { type: 'boolean' },
        batch: { type: 'boolean' },
        x: { type: 'string', short: 'x' },
        record: { type: 'string' },
        'stop-at': { type: 'string' },
        force: { type: 'boolean' },
        xlated: { type: 'boolean' },
        jited: { type: 'boolean' },
        raw: { type: 'boolean' },
        profiles: { type: 'boolean' },
        gdb: { type: 'string' },
        elf: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail('cli.bad-option', (e as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const v = parsed.values;
  if (v.help) command = 'help';
  const arch = (v.arch ?? 'x86_64') as string;
  if (arch !== 'x86_64' && arch !== 'riscv64') fail('cli.bad-arch', `unknown --arch '${arch}' (x86_64 or riscv64)`);
  const engine = v.engine as string | undefined;
  if (engine !== undefined && !['interp', 'x86_64', 'riscv64'].includes(engine))
    fail('cli.bad-engine', `unknown --engine '${engine}' (interp, x86_64 or riscv64)`);
  const maxMemory = v['max-memory'] === undefined ? undefined : parseMemSize(v['max-memory']);
  const maxInsns = v['max-insns'] === undefined ? undefined : Number(v['max-insns']);
  if (maxInsns !== undefined && (!Number.isSafeInteger(maxInsns) || maxInsns < 1))
    fail('cli.bad-max-insns', `--max-insns wants a positive integer, got '${v['max-insns']}'`);
  const repeat = v.repeat === undefined ? 1 : Number(v.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) fail('cli.bad-repeat', `--repeat wants a positive integer, got '${v.repeat}'`);
  if (v['data-hex'] !== undefined && !/^([0-9a-fA-F]{2})*$/.test(v['data-hex'])) fail('cli.bad-hex', '--data-hex wants an even number of hex digits');
  const mapUpdate = (s: string): { map: string; key: number; prog: string } => {
    const m = /^([^=]+):(\d+)=(.+)$/.exec(s);
    if (!m) fail('cli.bad-map-update', `--map-update wants MAP:KEY=PROG, got '${s}'`);
    return { map: m[1]!, key: Number(m[2]), prog: m[3]! };
  };
  // Setup options apply in command-line order after the main object loads; map updates
  // before the first of them are the plain --map-update list.
  const mapUpdates: CliOptions['mapUpdates'] = [];
  const setup: SetupStep[] = [];
  const cliFail = (opt: string, r: { ok: false; error: { message: string } }): never => fail('cli.bad-spec', `${opt}: ${r.error.message}`);
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    switch (t.name) {
      case 'map-update': {
        const u = mapUpdate(t.value);
        if (setup.length) setup.push({ op: 'mapUpdate', ...u });
        else mapUpdates.push(u);
        break;
      }
      case 'load':
      case 'attach': {
        const r = (t.name === 'load' ? parseLoadSpec : parseAttachSpec)(t.value);
        if (!r.ok) cliFail(`--${t.name}`, r);
        else setup.push(r.value);
        break;
      }
      case 'pin': {
        const m = /^([^=]+)=(.+)$/.exec(t.value);
        if (!m) fail('cli.bad-spec', `--pin wants [OBJ:]MAP=PATH, got '${t.value}'`);
        const r = parsePin(m[1]!, m[2]!);
        if (!r.ok) cliFail('--pin', r);
        else setup.push(r.value);
        break;
      }
      case 'reuse-map': {
        // bpftool prog load's `map name MAP pinned PATH`: for the object loaded just before.
        const r = parseReuse(t.value);
        if (!r.ok) cliFail('--reuse-map', r);
        const last = setup.at(-1);
        if (last?.op !== 'load') fail('cli.bad-spec', `--reuse-map ${t.value}: it follows the --load or --attach FILE.o it is for`);
        else if (r.ok) last.reuse = [...(last.reuse ?? []), r.value];
        break;
      }
    }
  }
  if (setup.length && command !== 'debug' && command !== 'help')
    fail('cli.bad-option', `--load, --attach, --pin and --reuse-map set up a debugger session (bpfdbg OBJ ...), not '${command}'`);
  const gdb = v.gdb === undefined ? undefined : loopbackPort('--gdb', v.gdb);
  const port = v.port === undefined ? undefined : loopbackPort('--port', v.port);
  if (parsed.positionals.length > 1) fail('cli.extra-args', `unexpected argument '${parsed.positionals[1]}'`);
  return {
    command,
    file: parsed.positionals[0],
    prog: v.prog,
    arch,
    engine: engine as CliOptions['engine'],
    profile: v.profile,
    data: v.data,
    dataHex: v['data-hex'],
    ctx: v.ctx,
    mapUpdates,
    setup,
    repeat,
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    ...(maxInsns !== undefined ? { maxInsns } : {}),
    json: v.json ?? false,
    batch: v.batch ?? false,
    script: v.x,
    record: v.record === undefined ? undefined : v.record === '*' ? true : v.record,
    ...(v['stop-at'] !== undefined ? { stopAt: v['stop-at'] } : {}),
    force: v.force ?? false,
    xlated: v.xlated ?? false,
    jited: v.jited ?? false,
    raw: v.raw ?? false,
    profiles: v.profiles ?? false,
    ...(gdb !== undefined ? { gdb } : {}),
    ...(v.elf !== undefined ? { elf: v.elf } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** `PORT`, `:PORT` or `127.0.0.1:PORT` (`localhost` too): the servers listen on loopback only. */
function loopbackPort(opt: string, s: string): number {
  const m = /^(?:(127\.0\.0\.1|localhost)?:)?(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) fail('cli.bad-port', `${opt} wants [127.0.0.1:]PORT (loopback only), got '${s}'`);
  return port;
}

/** `--max-memory 512M` / `2G` / bytes: a positive size. */
function parseMemSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m?.[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = m ? Number(m[1]) * mult : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) fail('cli.bad-max-memory', `--max-memory wants a size such as 512M or 2G, got '${text}'`);
  return n;
}
