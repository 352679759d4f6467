// Where a command points, as data (parseLocation.ts reads it from text). Its own file so
// the script commands (scriptCommands.ts) name it without importing the whole Command
// union that names them.

/** Where a breakpoint, `until`, `list` or `disassemble` points. */
export type LocationSpec =
  | { kind: 'program'; prog: string } // `entry`: first insn after the prologue
  | { kind: 'insn'; prog: string | null; insn: number } // `entry:14`, or `14` in the current program
  | { kind: 'line'; file: string | null; line: number } // `prog.c:37`, or `37` in the current file
  | { kind: 'addr'; addr: bigint }; // `*0xffffffffc0000010`
