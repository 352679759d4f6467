// A kernel tail-call selftest (../shared/testdata/kernel-selftests/expected.json) as a
// debugger session: the first `load` is the main object; the steps up to the first run or
// expected failure become launch setup steps (`--load` / `--attach` / `--pin` /
// `--map-update`, a recording's META options.setup); every later step is a debugger
// command with what the selftest expects of it:
//   load            load ALIAS=FILE[:PROG=OBJ:PROG:FUNC] [--reuse-map MAP=PATH]
//   attach/detach   attach OBJ:PROG [OBJ:PROG:FUNC] / detach OBJ:PROG
//   map_update      map update OBJ:MAP KEY OBJ:PROG      (ok, or an expected error)
//   map_delete      map delete OBJ:MAP KEY
//   map_pin/unpin   pin OBJ:MAP PATH / unpin PATH
//   run             run                                  (retval checked)
//   global_read     print OBJ:VAR                        (value checked)
//   global_write    set var OBJ:FIELD = VALUE            (each field)
//   repeat          its steps COUNT times, the objects an iteration loaded unloaded after it
//                   (tailcall_poke__destroy)
//   background_map_updates
//                   the thread's updates as interleaved commands: one `map update` of the
//                   slot (alternating values) before and one after each load while it runs
import { basename, join } from 'node:path';
import type { CommandResult } from '../../src/debugger/command.ts';
import { describeStep, type SetupStep } from '../../src/debugger/target/setup.ts';
import { allSteps, hexBytes, selftestDir, type Expected, type SelfTest, type Step } from '../support/expectedSelftests.ts';

export interface ScriptCommand {
  text: string;
  expectOk: boolean;
  /** An error message when the result is not what the selftest expects. */
  check?: (r: CommandResult) => string | null;
}

export interface SelftestScript {
  mainFile: string;
  prog?: string;
  input?: Uint8Array;
  setup: SetupStep[];
  commands: ScriptCommand[];
  /** global_read steps translated into checked `print`s. */
  globalReads: number;
}

const SETUP_OPS = new Set(['open', 'load', 'attach', 'map_update', 'map_pin']);

export function selftestScript(st: SelfTest, x: Expected): SelftestScript {
  const file = (alias: string): string => join(selftestDir, x.objects[st.objects[alias]!]!.path);
  const first = st.steps.find((s) => s.op === 'load');
  if (!first) throw new Error(`${st.name}: no load step`);
  const mainAlias = first.object!;
  // The main object keeps libbpf's name (basename up to the first '.'); the others their alias.
  const names = new Map(Object.keys(st.objects).map((a) => [a, a === mainAlias ? basename(file(a)).replace(/\..*$/, '') : a]));
  const q = (alias: string | undefined, name: string): string => `${names.get(alias ?? mainAlias)}:${name}`;
  const pins = new Map<string, string>(); // OBJ:MAP -> path
  const runs = allSteps(st.steps).filter((s) => s.op === 'run');
  const inputs = new Set(runs.map((s) => s.input));
  if (inputs.size > 1) throw new Error(`${st.name}: runs with different inputs (${[...inputs].join(', ')})`);
  const progs = new Set(runs.map((s) => `${s.object}/${s.program}`));
  if (progs.size > 1) throw new Error(`${st.name}: runs of different programs (${[...progs].join(', ')})`);
  const run0 = runs[0];
  if (run0 && run0.object !== mainAlias) throw new Error(`${st.name}: runs a program of ${run0.object}, not of the main object`);
  // The program a run starts in; without runs, the test's entry when the main object has it.
  const entry = (st as SelfTest & { entry?: { object: string; program: string } }).entry;
  const prog = run0?.program ?? (entry?.object === mainAlias ? entry.program : undefined);

  const loadStep = (s: Step): Extract<SetupStep, { op: 'load' }> => {
    const at = s.attach_target;
    const reuse = Object.entries(s.reuse_maps ?? {}).map(([map, m]) => {
      const path = pins.get(q(m.object, m.map));
      if (!path) throw new Error(`${st.name}: ${m.object}:${m.map} is reused but not pinned`);
      return { map, path };
    });
    const programs = s.programs ?? (at ? [at.program] : undefined);
    return {
      op: 'load',
      file: file(s.object!),
      name: names.get(s.object!)!,
      ...(programs ? { programs } : {}),
      ...(at ? { targets: [{ prog: at.program, target: { prog: q(at.target_object, at.target_program), func: at.target_function } }] } : {}),
      ...(reuse.length ? { reuse } : {}),
    };
  };
  const okExpected = (e: unknown): boolean => e === undefined || e === 'ok' || e === 'success';
  const asSetup = (s: Step): SetupStep | null => {
    switch (s.op) {
      case 'load':
        return loadStep(s);
      case 'attach':
        return {
          op: 'attach',
          prog: q(s.object, s.program!),
          ...(s.target ? { target: { prog: q(s.target.object, s.target.program), func: s.target.function } } : {}),
        };
      case 'map_update':
        return { op: 'mapUpdate', map: q(s.object, s.map!), key: s.key!, prog: q(s.value!.object, s.value!.prog) };
      case 'map_pin':
        pins.set(q(s.object, s.map!), s.path!);
        return { op: 'pin', map: q(s.object, s.map!), path: s.path! };
      default:
        return null;
    }
  };

  const setup: SetupStep[] = [];
  let k = st.steps.indexOf(first) + 1;
  for (; k < st.steps.length; k++) {
    const s = st.steps[k]!;
    if (!SETUP_OPS.has(s.op) || !okExpected(s.expect)) break;
    const step = asSetup(s);
    if (step) setup.push(step);
  }

  const commands: ScriptCommand[] = [];
  let globalReads = 0;
  let bg: { map: string; key: number; values: string[]; next: number; ticks: number } | null = null;
  const tick = (): void => {
    if (!bg) return;
    commands.push({ text: `map update ${bg.map} ${bg.key} ${bg.values[bg.next++ % bg.values.length]}`, expectOk: true });
    bg.ticks++;
  };
  const emit = (s: Step): void => {
    switch (s.op) {
      case 'open':
      case 'stop_background':
        if (s.op === 'stop_background' && !(bg && bg.ticks > 0)) throw new Error(`${st.name}: the background thread never ran`);
        if (s.op === 'stop_background') bg = null;
        return;
      case 'load':
        tick();
        commands.push({ text: describeStep(loadStep(s)), expectOk: okExpected(s.expect) });
        tick();
        return;
      case 'attach':
      case 'map_update':
      case 'map_pin':
        commands.push({ text: describeStep(asSetup(s)!), expectOk: okExpected(s.expect) });
        return;
      case 'detach':
        commands.push({ text: `detach ${q(s.object, s.program!)}`, expectOk: okExpected(s.expect) });
        return;
      case 'map_delete':
        commands.push({ text: `map delete ${q(s.object, s.map!)} ${s.key}`, expectOk: okExpected(s.expect) });
        return;
      case 'map_unpin': {
        const path = pins.get(q(s.object, s.map!));
        if (!path) throw new Error(`${st.name}: ${s.object}:${s.map} is not pinned`);
        pins.delete(q(s.object, s.map!));
        commands.push({ text: `unpin ${path}`, expectOk: true });
        return;
      }
      case 'run': {
        const want = (s.expect as { retval: number }).retval;
        commands.push({
          text: 'run',
          expectOk: true,
          check: (r) => {
            const stop = r.view.stop;
            return stop?.kind === 'exit' && Number(BigInt(stop.retval) & 0xffffffffn) === want ? null : `expected retval ${want}, got ${JSON.stringify(stop)}`;
          },
        });
        return;
      }
      case 'global_read': {
        const name = (s as Step & { var: string }).var;
        globalReads++;
        commands.push({
          text: `print ${q(s.object, name)}`,
          expectOk: true,
          check: (r) =>
            r.output.some((l) => l.text === `$ = ${s.expect}`) ? null : `expected ${name} = ${s.expect}, got ${r.output.map((l) => l.text).join(' | ')}`,
        });
        return;
      }
      case 'global_write':
        for (const [f, v] of Object.entries((s as Step & { fields: Record<string, number> }).fields))
          commands.push({ text: `set var ${q(s.object, f)} = ${v}`, expectOk: true });
        return;
      case 'background_map_updates':
        bg = { map: q(s.object, s.map!), key: s.key!, values: s.alternate_values!.map((v) => q(v.object, v.prog)), next: 0, ticks: 0 };
        return;
      case 'repeat':
        for (let i = 0; i < s.count!; i++) {
          const loaded = s.steps!.filter((n) => n.op === 'load').map((n) => n.object!);
          s.steps!.forEach(emit);
          for (const a of loaded) commands.push({ text: `unload ${names.get(a)}`, expectOk: true });
        }
        return;
      default:
        throw new Error(`${st.name}: step ${s.op} has no translation`);
    }
  };
  st.steps.slice(k).forEach(emit);
  return {
    mainFile: file(mainAlias),
    ...(prog ? { prog } : {}),
    ...(run0?.input ? { input: hexBytes(x.inputs[run0.input]!.hex) } : {}),
    setup,
    commands,
    globalReads,
  };
}
