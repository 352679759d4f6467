// What arch_prepare_bpf_trampoline takes and gives on every arch: the traced function, the
// attached fentry / fexit / fmod_ret programs, the kernel routines a trampoline calls, and
// the generated code with the offsets the kernel records in struct bpf_tramp_image.

/** One attached program (a bpf_tramp_link). */
export interface TrampLink {
  /** Guest address of its struct bpf_prog (passed to the enter/exit hooks). */
  prog: bigint;
  /** Its JITed entry (bpf_func). */
  bpfFunc: bigint;
  cookie: bigint;
}

export interface TrampolineSpecBase {
  /** Guest address the trampoline will be placed at (the bytes are final: no relocs). */
  addr: bigint;
  /** Traced function's bpf_func (its entry patch site becomes a call of the trampoline). */
  funcAddr: bigint;
  /** btf_func_model.nr_args (register arguments, 8 bytes each). */
  nrArgs: number;
  fentry: TrampLink[];
  fexit: TrampLink[];
  fmodRet: TrampLink[];
  /** BPF_TRAMP_F_TAIL_CALL_CTX: the target is tail-call reachable; the counter register must survive. */
  tailCallCtx: boolean;
  progEnter: bigint; // __bpf_prog_enter_recur
  progExit: bigint; // __bpf_prog_exit_recur
  trampEnter: bigint; // __bpf_tramp_enter
  trampExit: bigint; // __bpf_tramp_exit
  /** struct bpf_tramp_image *im */
  im: bigint;
}

export interface TrampolineCode {
  code: Uint8Array;
  /** im->ip_after_call / ip_epilogue (only with fexit/fmod_ret), as byte offsets. */
  ipAfterCall?: number;
  ipEpilogue?: number;
  flags: { callOrig: boolean; skipFrame: boolean; restoreRegs: boolean; tailCallCtx: boolean };
}
