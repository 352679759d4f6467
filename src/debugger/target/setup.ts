// The steps that set up a session beyond its main object, as data: load another object,
// attach / detach a tracing or freplace program, pin / unpin a map, update a prog_array,
// unload an object. Command-line options (`--load`, `--attach`, `--pin`, `--map-update`)
// become a list of them in command-line order; the debugger's `load`, `attach`, `detach`,
// `pin`, `unpin` and `unload` commands apply one each. A recording stores the launch list
// (META options.setup) so a replay rebuilds the same session (docs/session-format.md).
// Names: `[OBJ:]NAME` — the object qualifier is needed only where a name is ambiguous.

/** An attach target: function FUNC of program PROG (bpf_program__set_attach_target). */
export interface TargetRef {
  /** `[OBJ:]PROG` */
  prog: string;
  func: string;
}

export type SetupStep =
  | {
      op: 'load';
      /** Path as given; the object source reads it (a replay: from the recording). */
      file: string;
      /** Session name (default: libbpf's object name, `.2`, `.3` ... when taken). */
      name?: string;
      /** Only these programs (a skeleton's autoload choices); default every autoload program. */
      programs?: string[];
      /** Attach targets fixed at load time, by program name. */
      targets?: { prog: string; target: TargetRef }[];
      /** Maps that reuse a pinned map (bpf_map__set_pin_path; bpftool's `map name M pinned P`). */
      reuse?: { map: string; path: string }[];
      /** Then attach these programs (`all`: every fentry/fexit/fmod_ret/freplace program). */
      attach?: string[] | 'all';
    }
  /** bpf_link_create: `[OBJ:]PROG`, to its load-time target or (freplace) to `target`. */
  | { op: 'attach'; prog: string; target?: TargetRef }
  /** The link of `[OBJ:]PROG`, or link number `link`. */
  | { op: 'detach'; prog?: string; link?: number }
  | { op: 'mapUpdate'; map: string; key: number; prog: string }
  | { op: 'pin'; map: string; path: string }
  | { op: 'unpin'; path: string }
  | { op: 'unload'; object: string };

/** One line describing a step, as a command would read (`load tailcall_poke.o:test`). */
export function describeStep(s: SetupStep): string {
  switch (s.op) {
    case 'load': {
      const reuse = (s.reuse ?? []).map((r) => ` --reuse-map ${r.map}=${r.path}`).join('');
      const file = `${s.name ? `${s.name}=` : ''}${s.file}`;
      if (s.attach) {
        const prog = Array.isArray(s.attach) ? s.attach[0] : undefined;
        const t = prog ? s.targets?.find((x) => x.prog === prog) : undefined;
        return `attach ${file}${prog ? `:${prog}` : ''}${t ? `=${t.target.prog}:${t.target.func}` : ''}${reuse}`;
      }
      const progs = (s.programs ?? []).map((p) => {
        const t = s.targets?.find((x) => x.prog === p);
        return t ? `${p}=${t.target.prog}:${t.target.func}` : p;
      });
      return `load ${file}${progs.length ? `:${progs.join(',')}` : ''}${reuse}`;
    }
    case 'attach':
      return `attach ${s.prog}${s.target ? ` ${s.target.prog}:${s.target.func}` : ''}`;
    case 'detach':
      return `detach ${s.prog ?? s.link}`;
    case 'mapUpdate':
      return `map update ${s.map} ${s.key} ${s.prog}`;
    case 'pin':
      return `pin ${s.map} ${s.path}`;
    case 'unpin':
      return `unpin ${s.path}`;
    case 'unload':
      return `unload ${s.object}`;
  }
}
