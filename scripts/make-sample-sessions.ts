// Regenerates the sample recordings in sessions/ (bpfdbg replay sessions/NAME.bpfrec).
//   node --import tsx scripts/make-sample-sessions.ts [NAME...]   (only samples whose file has NAME)
// Each sample is a scripted debugger session on an example object, recorded from launch.
// test/record/samples.test.ts replays every one and checks its final state hash.
import { readFileSync } from 'node:fs';
import { openRecordingSession, recordingOptions } from '../src/record/index.ts';
import type { SetupStep } from '../src/debugger/target/setup.ts';

interface Sample {
  file: string;
  object: string;
  about: string;
  /** Launch setup (`--attach`, `--load` ...), as on the command line. */
  setup?: SetupStep[];
  /** `--arch` / `--profile` (default x86_64 under linux-6.18). */
  arch?: 'x86_64' | 'riscv64';
  profile?: string;
  commands: string[];
}

export const SAMPLES: Sample[] = [
  {
    file: 'sessions/tailchain-live-swap.bpfrec',
    object: 'examples/tailchain.o',
    about:
      'entry -> stage_parse -> stage_count -> stage_verdict; chain[1] swapped live while stopped in stage_parse (a poke), then chain[2] pointed back at stage_count',
    commands: [
      'break stage_parse',
      'run',
      'info pokes',
      'map update chain 1 stage_verdict',
      'info pokes',
      'continue',
      'run',
      'map update chain 1 stage_count',
      'map update chain 2 stage_count',
      'delete',
      'break stage_count',
      'continue',
      'continue',
      'bt',
      'reverse-continue',
      'reverse-stepi 6',
      'stepi 6',
      'delete',
      'continue',
    ],
  },
  {
    file: 'sessions/selfloop-33-hops.bpfrec',
    object: 'examples/selfloop.o',
    about: 'a program tail-calling itself: the counter stops the chain after MAX_TAIL_CALL_CNT = 33 hops, the 34th run returns 34',
    commands: [
      'catch tailcall',
      'run',
      'continue 32',
      'info registers',
      'continue',
      'bt',
      'continue',
      'reverse-stepi 10',
      'print $tcc',
      'continue',
      'continue',
    ],
  },
  {
    file: 'sessions/privstack-run.bpfrec',
    object: 'examples/privstack.o',
    about: 'subprograms with 80- and 96-byte stacks on per-CPU private stacks (r9 frame pointer, guard words)',
    commands: ['break mix', 'run', 'bt', 'info frame', 'finish', 'continue', 'bt', 'reverse-finish', 'info registers', 'continue', 'continue'],
  },
  {
    file: 'sessions/subprog-trace-classify.bpfrec',
    object: 'examples/subprog_tail.o',
    about:
      'two objects: trace_classify.o attached (--attach) with fentry and fexit on classify() of entry; the trampoline in bt, a detach and a re-attach, reverse-continue back across both',
    setup: [{ op: 'load', file: 'examples/trace_classify.o', attach: 'all' }],
    commands: [
      'break on_classify',
      'break after_classify',
      'run',
      'bt',
      'info links',
      'continue',
      'bt',
      'continue',
      'print/d last_ret',
      'print entered',
      'detach on_classify',
      'info pokes',
      'run',
      'bt',
      'continue',
      'attach on_classify',
      'run',
      'reverse-continue',
      'bt',
      'info links',
      'continue',
      'continue',
    ],
  },
  {
    file: 'sessions/riscv-tailchain-a6.bpfrec',
    object: 'examples/tailchain.o',
    about:
      'RISC-V 64: the chain with the tail-call counter in a6 counting down from 33, a live swap of chain[2] (a store: RISC-V has no poke sites), reverse-stepi and reverse-continue back through the hops',
    arch: 'riscv64',
    commands: [
      'catch tailcall',
      'run',
      'info registers',
      'continue',
      'bt',
      'map update chain 2 stage_count',
      'continue',
      'continue',
      'bt',
      'reverse-stepi 4',
      'print $tcc',
      'reverse-continue',
      'bt',
      'info breakpoints',
      'continue',
      'delete 1',
      'continue',
    ],
  },
];

async function main(only: string[]): Promise<void> {
  for (const s of SAMPLES.filter((x) => only.length === 0 || only.some((n) => x.file.includes(n)))) {
    const r = await openRecordingSession({
      objectPath: s.object,
      objectBytes: new Uint8Array(readFileSync(s.object)),
      options: recordingOptions({ setup: s.setup ?? [], arch: s.arch, profile: s.profile }),
      input: {},
      active: true,
    });
    if (!r.ok) throw new Error(`${s.object}: ${r.error.message}`);
    const rec = r.value;
    for (const c of s.commands) {
      const res = await rec.tts.execute(c);
      if (process.env.VERBOSE) for (const l of res.output) process.stdout.write(`${l.kind === 'command' ? '(bpfdbg) ' : '  '}${l.text}\n`);
    }
    const saved = rec.save(s.file, true);
    if (!saved.ok) throw new Error(`${s.file}: ${saved.error.message}`);
    process.stdout.write(`${s.file}: ${s.commands.length} commands, ${rec.tts.count} instructions, ${rec.checkpoints.length} checkpoints — ${s.about}\n`);
    rec.tts.session.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
