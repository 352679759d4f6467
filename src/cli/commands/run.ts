// `bpfdbg run OBJ`: BPF_PROG_TEST_RUN of one program on an engine (the interpreter, or
// the JITed code on Unicorn), printing retval and what the run did.
import { hex64 } from '../../debugger/view.ts';
import { testRun, interpreterEngine, type Engine } from '../../kernel/index.ts';
import { fail, formatDiag } from '../../common/diag.ts';
import { openObject, readInput, selectProgram } from '../compose.ts';
import { applyMapUpdates, loadForRun } from '../loadForRun.ts';
import type { CliOptions } from '../options.ts';
import { machineEngineFor } from '../engines.ts';

export async function runCommand(opts: CliOptions): Promise<number> {
  const obj = openObject(opts.file);
  const prog = selectProgram(obj, opts.prog);
  const input = readInput(opts);
  const engineName = opts.engine ?? opts.arch;
  let engine: Engine;
  let tcc: 'by-pointer' | 'by-value' = 'by-pointer';
  const setup = await machineEngineFor(engineName, opts.profile);
  if (setup === null) {
    if (opts.profile !== undefined && engineName === 'interp' && !/^(tcc-by-value|tcc-by-pointer|linux-6\.18)$/.test(opts.profile))
      fail('cli.bad-profile', `--profile ${opts.profile} does not apply to the interpreter`);
    if (opts.profile === 'tcc-by-value') tcc = 'by-value';
    engine = interpreterEngine({ tcc });
  } else engine = setup.engine;
  const run = loadForRun(obj, prog, setup?.analysis ?? { privStack: 'adaptive' }, setup?.modelOptions ?? {});
  setup?.attach(run.model, run.loaded);
  applyMapUpdates(run, opts.mapUpdates);
  const res = testRun(run.model, run.entry, { ...input, repeat: opts.repeat, engine });
  const globals: Record<string, string> = {};
  for (const g of obj.globals) {
    const v = run.model.readGlobal(g.name, run.loaded.name);
    if (v.ok) globals[g.name] = g.size <= 8 ? String(leNumber(v.value)) : Buffer.from(v.value).toString('hex');
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({
      program: prog.name, engine: engineName, profile: setup?.profileName ?? null,
      retval: res.retval, r0: hex64(res.r0), insns: res.insns, tailCalls: res.tailCalls,
      output: res.output, globals, error: res.error ? { code: res.error.code, message: formatDiag(res.error) } : null,
    }) + '\n');
  } else {
    const lines = [
      `${prog.name}: retval ${res.retval} (r0 ${hex64(res.r0)}), ${res.insns} insns, ${res.tailCalls} tail calls [${engineName}${setup ? `, ${setup.profileName}` : ''}]`,
      ...res.output.map((l) => `trace: ${l}`),
      ...Object.entries(globals).map(([k, v]) => `  ${k} = ${v}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  setup?.dispose();
  if (res.error) {
    process.stderr.write(`bpfdbg: ${formatDiag({ ...res.error, place: { file: obj.path, ...res.error.place } })}\n`);
    return 1;
  }
  return 0;
}

function leNumber(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
