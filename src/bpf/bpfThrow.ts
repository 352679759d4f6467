// bpf_throw (6.7+) as a control transfer: the kernel model's kfunc raises it, and the engine
// that runs the program (interpreter, JIT machine) unwinds to the exception boundary (the
// innermost frame of a main program, not a subprogram) and enters the program's exception
// callback there with the cookie; the callback's return value is the boundary's.

/** Raised by the bpf_throw kfunc; the engine running the program catches it. */
export class BpfThrow {
  constructor(readonly cookie: bigint) {}
}
