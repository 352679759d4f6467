// Expressions of `print`, `x` and breakpoint conditions: gdb's C-like subset over 64-bit
// unsigned values. `$r1` (BPF register), `$rax`/`$a6` (native), `$pc`, `$tcc`,
// `*(u32 *)($r10 - 8)` (memory), `&&`, `||`, comparisons, + - * / % & | ^ << >> ~ ! -.
export type Expr =
  | { kind: 'num'; value: bigint }
  | { kind: 'reg'; name: string }
  | { kind: 'sym'; name: string } // a global variable or map name
  | { kind: 'unary'; op: '-' | '~' | '!'; arg: Expr }
  | { kind: 'deref'; size: 1 | 2 | 4 | 8; signed: boolean; addr: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr };

export type BinaryOp =
  | '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||';
