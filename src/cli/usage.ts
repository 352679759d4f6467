// The text of `bpfdbg --help`.
export const USAGE = `bpfdbg — a debugger for BPF programs as the Linux kernel runs them (after JIT)

Usage:
  bpfdbg OBJ [options]                 open the full-screen debugger on OBJ
  bpfdbg OBJ --batch [-x FILE] [--json] run debugger commands from FILE or stdin, no UI
  bpfdbg list OBJ                      programs, subprograms with stack depth, maps
  bpfdbg dump OBJ [--prog P] [--xlated | --jited [--raw] [--json]] [--profile NAME]
  bpfdbg run OBJ [--prog P] [--engine interp|x86_64|riscv64] [--repeat N] [--json]
  bpfdbg replay FILE [--stop-at N|insn:COUNT] [--batch -x CMDS] [--json]
  bpfdbg OBJ --gdb [127.0.0.1:]PORT    serve gdb's remote protocol (target remote :PORT)
  bpfdbg dump OBJ --jited --elf FILE   symbol file with DWARF lines for gdb's add-symbol-file
  bpfdbg dap [--port N]                Debug Adapter Protocol on stdio (VS Code), or 127.0.0.1:N

Options:
  --prog P              program (function name); default: the object's entry program
  --arch A              x86_64 (default) or riscv64
  --engine E            run: interp, x86_64 (default) or riscv64
  --profile NAME        JIT profile (see \`bpfdbg dump --profiles\`); default linux-6.18 (riscv64: upstream)
  --data FILE           packet bytes (BPF_PROG_TEST_RUN data_in)
  --data-hex HEX        packet bytes as hex
  --ctx FILE            raw ctx bytes (tracing, syscall programs)
  --map-update M:K=P    before running, set prog_array M slot K to program P (repeatable)
  --load [N=]F.o[:P[=T]] load another object (only programs P; T = PROG:FUNC attach target)
  --attach SPEC         [N=]F.o[:P[=PROG:FUNC]] load and attach its fentry/fexit/freplace programs,
                        or [OBJ:]P[=PROG:FUNC] attach a loaded one (setup options apply in order)
  --reuse-map M=PATH    the --load/--attach before it reuses the map pinned at PATH for map M
  --pin [OBJ:]M=PATH    pin map M at PATH (/sys/fs/bpf/...)
  --record [FILE]       record the session (default sessions/<object>-<time>.bpfrec)
  --stop-at N           replay: pause before recorded command #N (insn:COUNT: at that instruction count)
  --force               allow overwriting an existing recording
  --gdb [127.0.0.1:]PORT listen for one gdb on the loopback interface (0: any free port)
  --elf FILE            dump --jited: write the JIT image's symbols and C line table as ELF/DWARF
  --port N              dap: listen on 127.0.0.1:N instead of stdin/stdout
  -x FILE               batch command file
  --json                machine-readable output (docs/json.md)
  -h, --help            this text
`;
