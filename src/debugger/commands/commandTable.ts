// Command names, aliases and one-line help, in the order `help` lists them.
import type { CommandInfo } from './commandInfo.ts';
import { SCRIPT_COMMANDS } from './scriptCommands.ts';

export const COMMANDS: CommandInfo[] = [
  { name: 'run', aliases: ['r'], args: '', help: 'start (or restart) the program from its first instruction' },
  { name: 'start', aliases: [], args: '', help: 'start the program and stop before its first instruction' },
  {
    name: 'continue',
    aliases: ['c', 'cont'],
    args: '[N]',
    help: 'run until a breakpoint, catchpoint, fault or exit (ignore the current breakpoint N-1 times)',
  },
  { name: 'stepi', aliases: ['si'], args: '[N]', help: 'execute N machine instructions' },
  { name: 'nexti', aliases: ['ni'], args: '[N]', help: 'execute N machine instructions, stepping over calls' },
  { name: 'step', aliases: ['s'], args: '[N]', help: 'run to the next source line, entering bpf2bpf calls and following tail calls' },
  { name: 'next', aliases: ['n'], args: '[N]', help: 'run to the next source line, over bpf2bpf and helper calls' },
  { name: 'finish', aliases: ['fin'], args: '', help: 'run until the current BPF function returns' },
  { name: 'until', aliases: ['u'], args: '[LOCATION]', help: 'run until a greater BPF instruction in this frame (or LOCATION)' },
  { name: 'break', aliases: ['b', 'br'], args: 'LOCATION [if EXPR]', help: 'set a breakpoint: PROG, PROG:INSN, FILE.c:LINE, *ADDR' },
  { name: 'tbreak', aliases: ['tb'], args: 'LOCATION [if EXPR]', help: 'set a one-shot breakpoint' },
  { name: 'delete', aliases: ['d'], args: '[N...]', help: 'delete breakpoints (all without arguments)' },
  { name: 'disable', aliases: [], args: '[N...]', help: 'disable breakpoints' },
  { name: 'enable', aliases: [], args: '[N...]', help: 'enable breakpoints' },
  { name: 'condition', aliases: [], args: 'N [EXPR]', help: 'set or clear the condition of breakpoint N' },
  {
    name: 'catch',
    aliases: [],
    args: 'tailcall|poke',
    help: 'stop on every tail call (taken or not) or every poke state transition; numbered like breakpoints (delete, disable N)',
  },
  {
    name: 'info',
    aliases: ['i'],
    args: 'TOPIC',
    help: 'registers | all-registers | breakpoints | watchpoints | frame | args (BTF parameters in R1-R5) | locals (R10 stack slots written on the way here: slots, not C variables; BPF has no DWARF locations) | display | pokes | maps | program | line | tailcalls | jit | links | objects | symbol ADDR | memory',
  },
  {
    name: 'backtrace',
    aliases: ['bt', 'where'],
    args: '[full] [N]',
    help: "bpf2bpf frames and tail-call hops since the entry program (full: each frame's stack slots and saved registers too)",
  },
  { name: 'frame', aliases: ['f'], args: '[N]', help: 'select frame N (or show the selected frame)' },
  { name: 'up', aliases: [], args: '[N]', help: 'select the caller frame' },
  { name: 'down', aliases: [], args: '[N]', help: 'select the callee frame' },
  {
    name: 'map',
    aliases: [],
    args: 'update|delete|dump MAP KEY [VALUE|PROG]',
    help: 'change a map while stopped (prog_array swaps patch code as the kernel does)',
  },
  {
    name: 'set',
    aliases: [],
    args: '$REG = EXPR | *(TYPE *)ADDR = EXPR | GLOBAL = EXPR',
    help: 'change a register, memory or a global variable while stopped',
  },
  { name: 'x', aliases: [], args: '/FMT ADDR', help: 'examine memory: /Nuf with u = b h w g, f = x d u o t c s i' },
  {
    name: 'print',
    aliases: ['p'],
    args: '[/f] EXPR',
    help: 'evaluate: $r0..$r10, native registers, $pc, $tcc (tail calls used), $tcc_left, *(u32 *)ADDR, globals typed from BTF, casts to BTF types ((struct sk_buff *)$r1), ->, ., [i], &, sizeof, arithmetic',
  },
  { name: 'ptype', aliases: [], args: 'TYPE | EXPR', help: 'show a type from BTF with its members: struct x, a typedef, or the type of an expression' },
  { name: 'whatis', aliases: [], args: 'TYPE | EXPR', help: 'name the type of an expression (a typedef one level down)' },
  { name: 'display', aliases: ['disp'], args: '[/f] [EXPR]', help: 'show EXPR at every stop (without EXPR: show them all now)' },
  { name: 'undisplay', aliases: [], args: '[N...]', help: 'stop showing display N (all without arguments)' },
  {
    name: 'watch',
    aliases: [],
    args: 'EXPR | map MAP KEY',
    help: 'stop after a write changes a global, member, stack slot (*(u64 *)($r10 - 8)) or map value; reverse-continue stops at the last such write',
  },
  { name: 'rwatch', aliases: [], args: 'EXPR | map MAP KEY', help: 'stop after a read of the watched memory' },
  { name: 'awatch', aliases: [], args: 'EXPR | map MAP KEY', help: 'stop after a read or write of the watched memory' },
  { name: 'disassemble', aliases: ['disas'], args: '[/b|/n] [LOCATION]', help: 'BPF, native and source interleaved (/b BPF only, /n native only)' },
  { name: 'list', aliases: ['l'], args: '[LOCATION]', help: 'show source lines' },
  { name: 'record', aliases: [], args: 'start|stop|save FILE [--force]', help: 'record this session for replay' },
  { name: 'reverse-stepi', aliases: ['rsi'], args: '[N]', help: 'step one machine instruction backwards' },
  { name: 'reverse-step', aliases: ['rs'], args: '[N]', help: 'run backwards to the start of the previous source line, entering calls' },
  { name: 'reverse-next', aliases: ['rn'], args: '[N]', help: 'run backwards to the start of the previous source line, over calls' },
  { name: 'reverse-continue', aliases: ['rc'], args: '', help: 'run backwards to the previous breakpoint, tail call or poke transition' },
  { name: 'reverse-finish', aliases: [], args: '', help: 'run backwards to where the current function was called' },
  {
    name: 'load',
    aliases: [],
    args: '[NAME=]FILE.o[:PROG,...] [--reuse-map MAP=PATH]...',
    help: 'load another object (its autoload programs, or the ones named), reusing pinned maps',
  },
  {
    name: 'attach',
    aliases: [],
    args: '[OBJ:]PROG [PROG:FUNC] | [NAME=]FILE.o[:PROG[=PROG:FUNC]]',
    help: 'attach an fentry/fexit/fmod_ret/freplace program to a BPF function (a file: load it first)',
  },
  { name: 'detach', aliases: [], args: '[OBJ:]PROG | LINK', help: 'detach a program (or link number LINK, see info links)' },
  { name: 'pin', aliases: [], args: '[OBJ:]MAP PATH', help: 'pin a map on the BPF file system (/sys/fs/bpf/...): later loads can reuse it' },
  { name: 'unpin', aliases: [], args: 'PATH', help: 'remove a pin' },
  { name: 'unload', aliases: [], args: 'OBJ', help: 'close an object loaded with load/attach (its links go first)' },
  { name: 'timer', aliases: [], args: 'fire|list', help: 'fire due BPF timers now (virtual clock) or list armed ones' },
  { name: 'interrupt', aliases: [], args: '', help: 'stop a running program at the next instruction boundary (Ctrl-C)' },
  { name: 'kill', aliases: ['k'], args: '', help: 'stop the running program' },
  ...SCRIPT_COMMANDS,
  { name: 'help', aliases: ['h'], args: '[COMMAND]', help: 'list commands, or explain one' },
  { name: 'quit', aliases: ['q'], args: '', help: 'leave bpfdbg' },
];

const byName = new Map<string, CommandInfo>();
for (const c of COMMANDS) {
  byName.set(c.name, c);
  for (const a of c.aliases) byName.set(a, c);
}

/** Resolves a typed word to a command: exact name, alias, or unique prefix (as gdb does). */
export function lookupCommand(word: string): CommandInfo | CommandInfo[] | undefined {
  const exact = byName.get(word);
  if (exact) return exact;
  const matches = COMMANDS.filter((c) => c.name.startsWith(word));
  if (matches.length === 1) return matches[0];
  return matches.length > 1 ? matches : undefined;
}
