// `bpfdbg run OBJ`: BPF_PROG_TEST_RUN of one program on an engine (the JITed code on
// Unicorn by default, or the reference interpreter), printing retval, the average duration
// of a run (test_run's `duration`, as `bpftool prog run` prints it) and what the run did.
import { hex64 } from '../../debugger/view.ts';
import { formatDiag } from '../../common/diag.ts';
import { openObject, readInput, selectProgram } from '../compose.ts';
import { createRunner, type EngineName } from '../engines.ts';
import { applyMapUpdates } from '../mapUpdates.ts';
import { kernelBtfFor, requireProfile } from '../jitAll.ts';
import type { CliOptions } from '../options.ts';

export async function runCommand(opts: CliOptions): Promise<number> {
  const obj = openObject(opts.file, opts.engine === 'interp' ? undefined : kernelBtfFor(requireProfile(opts.arch, opts.profile)));
  const prog = selectProgram(obj, opts.prog);
  const input = readInput(opts);
  const engineName: EngineName = opts.engine ?? opts.arch;
  const runner = await createRunner(obj, prog, engineName, opts.profile, {
    ...(opts.maxMemory !== undefined ? { maxMapMemory: opts.maxMemory } : {}),
    counted: opts.maxInsns !== undefined,
  });
  try {
    applyMapUpdates(runner, opts.mapUpdates);
    const res = runner.testRun({ ...input, repeat: opts.repeat, ...(opts.maxInsns !== undefined ? { budget: opts.maxInsns } : {}) });
    const globals: Record<string, string> = {};
    for (const g of obj.globals) {
      const v = runner.model.readGlobal(g.name, runner.loaded.name);
      if (v.ok) globals[g.name] = g.size <= 8 ? String(leNumber(v.value)) : Buffer.from(v.value).toString('hex');
    }
    const insns = runner.countsInsns ? res.insns : null;
    if (opts.json) {
      process.stdout.write(
        JSON.stringify({
          program: prog.name,
          engine: engineName,
          profile: runner.profile?.name ?? null,
          retval: res.retval,
          r0: hex64(res.r0),
          insns,
          tailCalls: res.tailCalls,
          duration: res.durationNs,
          runs: res.runs,
          output: res.output,
          globals,
          error: res.error ? { code: res.error.code, message: formatDiag(res.error) } : null,
        }) + '\n',
      );
    } else if (!res.error) {
      // A failed run prints its error alone (below), never a retval line that looks like success.
      const lines = [
        `${prog.name}: retval ${res.retval} (r0 ${hex64(res.r0)}), ${insns === null ? '' : `${insns} insns, `}${res.tailCalls} tail calls, ` +
          `duration ${res.durationNs} ns${res.runs > 1 ? ` (average of ${res.runs} runs)` : ''} [${engineName}${runner.profile ? `, ${runner.profile.name}` : ''}]`,
        ...res.output.map((l) => `trace: ${l}`),
        ...Object.entries(globals).map(([k, v]) => `  ${k} = ${v}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (res.error) {
      process.stderr.write(`bpfdbg: ${formatDiag({ ...res.error, place: { file: obj.path, ...res.error.place } })}\n`);
      return 1;
    }
    return 0;
  } finally {
    runner.dispose();
  }
}

function leNumber(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
