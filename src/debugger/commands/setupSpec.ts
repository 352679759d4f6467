// The text forms of setup steps, shared by the command line (`--load`, `--attach`,
// `--pin`, `--reuse-map`) and the debugger's `load` / `attach` / `detach` / `pin` commands:
//   load    [NAME=]FILE.o[:PROG[=TARGET][,PROG...]]  only those programs; TARGET fixed at load
//   attach  [NAME=]FILE.o[:PROG[=TARGET]]     load FILE.o, then attach PROG (default: all)
//   attach  [OBJ:]PROG[=TARGET]               attach a loaded program
//   TARGET  [OBJ:]PROG:FUNC                   function FUNC of program PROG
//   pin     [OBJ:]MAP=PATH                    PATH on the BPF file system (/sys/fs/bpf/...)
//   reuse   MAP=PATH                          the load before it reuses the map pinned at PATH
import { err, ok, type Result } from '../../common/diag.ts';
import type { SetupStep, TargetRef } from '../target/setup.ts';

/** Where bpffs is mounted: pins live under it (bpf_obj_pin refuses other file systems). */
export const BPFFS = '/sys/fs/bpf/';

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const PROG = /^(?:[A-Za-z_][A-Za-z0-9_.]*:)?[A-Za-z_][A-Za-z0-9_.]*$/;
const bad = (what: string, text: string, want: string): Result<never> => err('cmd.bad-spec', `${what}: '${text}' is not ${want}`);

/** A file, not a program: ends in `.o` or names a directory. */
const isFile = (s: string): boolean => /\.o$/.test(s) || s.includes('/');

/** `[OBJ:]PROG:FUNC` */
export function parseTarget(text: string, what = 'target'): Result<TargetRef> {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !NAME.test(p))) return bad(what, text, 'PROG:FUNC or OBJ:PROG:FUNC');
  const func = parts.pop()!;
  return ok({ prog: parts.join(':'), func });
}

/** `[NAME=]FILE` -> name and file. */
function splitName(text: string): { name?: string; rest: string } {
  const eq = /^([A-Za-z_][A-Za-z0-9_.]*)=(.+)$/.exec(text);
  return eq && isFile(eq[2]!.split(':')[0]!) ? { name: eq[1]!, rest: eq[2]! } : { rest: text };
}

/** FILE and what follows its first `.o:` (a program list), or the whole text as FILE. */
function splitFile(text: string): { file: string; tail: string | null } {
  const m = /\.o:/.exec(text);
  return m ? { file: text.slice(0, m.index + 2), tail: text.slice(m.index + 3) } : { file: text, tail: null };
}

/** `[NAME=]FILE.o[:PROG[=TARGET][,PROG[=TARGET]...]]` */
export function parseLoadSpec(text: string): Result<Extract<SetupStep, { op: 'load' }>> {
  const { name, rest } = splitName(text.trim());
  const { file, tail } = splitFile(rest);
  const want = '[NAME=]FILE.o[:PROG[=PROG:FUNC][,PROG...]]';
  if (file === '' || tail === '') return bad('load', text, want);
  const programs: string[] = [];
  const targets: { prog: string; target: TargetRef }[] = [];
  for (const item of tail === null ? [] : tail.split(',')) {
    const eq = item.indexOf('=');
    const prog = eq < 0 ? item : item.slice(0, eq);
    if (!NAME.test(prog)) return bad('load', text, want);
    programs.push(prog);
    if (eq >= 0) {
      const t = parseTarget(item.slice(eq + 1));
      if (!t.ok) return t;
      targets.push({ prog, target: t.value });
    }
  }
  return ok({ op: 'load', file, ...(name ? { name } : {}), ...(programs.length ? { programs } : {}), ...(targets.length ? { targets } : {}) });
}

/** `[NAME=]FILE.o[:PROG[=TARGET]]` or `[OBJ:]PROG[=TARGET]`. */
export function parseAttachSpec(text: string): Result<SetupStep> {
  const t = text.trim();
  const { name, rest } = splitName(t);
  const eq = rest.indexOf('=');
  const head = eq < 0 ? rest : rest.slice(0, eq);
  let target: TargetRef | undefined;
  if (eq >= 0) {
    const tr = parseTarget(rest.slice(eq + 1));
    if (!tr.ok) return tr;
    target = tr.value;
  }
  const first = head.split(':')[0]!;
  if (isFile(first)) {
    const parts = head.split(':');
    if (parts.length > 2 || (parts[1] !== undefined && !NAME.test(parts[1]))) return bad('attach', text, '[NAME=]FILE.o[:PROG[=PROG:FUNC]]');
    const prog = parts[1];
    if (target && !prog) return bad('attach', text, 'FILE.o:PROG=PROG:FUNC (a target needs the program it is for)');
    return ok({
      op: 'load',
      file: first,
      ...(name ? { name } : {}),
      ...(prog && target ? { targets: [{ prog, target }] } : {}),
      attach: prog ? [prog] : 'all',
    });
  }
  if (name || !PROG.test(head)) return bad('attach', text, '[OBJ:]PROG[=PROG:FUNC] or [NAME=]FILE.o[:PROG[=PROG:FUNC]]');
  return ok({ op: 'attach', prog: head, ...(target ? { target } : {}) });
}

/** `[OBJ:]MAP=PATH` (the command line's --pin) or MAP and PATH apart (the `pin` command). */
export function parsePin(map: string, path: string): Result<Extract<SetupStep, { op: 'pin' }>> {
  if (!PROG.test(map)) return bad('pin', map, 'a map name ([OBJ:]MAP)');
  const p = checkPinPath(path);
  return p.ok ? ok({ op: 'pin', map, path }) : p;
}

export function checkPinPath(path: string): Result<string> {
  if (!path.startsWith(BPFFS) || path.length === BPFFS.length || path.includes('/../'))
    return err('cmd.bad-pin-path', `'${path}' is not a path on the BPF file system (${BPFFS}NAME)`);
  return ok(path);
}

/** `MAP=PATH` of --reuse-map. */
export function parseReuse(text: string): Result<{ map: string; path: string }> {
  const m = /^([A-Za-z_][A-Za-z0-9_.]*)=(.+)$/.exec(text.trim());
  if (!m) return bad('--reuse-map', text, 'MAP=PATH');
  const p = checkPinPath(m[2]!);
  return p.ok ? ok({ map: m[1]!, path: m[2]! }) : p;
}
