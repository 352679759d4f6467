// Expressions of `print`, `x`, `display`, `watch` and breakpoint conditions: gdb's C
// subset. `$r1` (BPF register), `$rax`/`$a6` (native), `$pc`, `$tcc`, `*(u32 *)($r10 - 8)`
// (memory), globals and their members (`cfg.limits[2]`, `p->len`), casts to the builtin
// integer names and to BTF types (`(struct __sk_buff *)$r1`), `&`, `sizeof`, `&&`, `||`,
// comparisons, + - * / % & | ^ << >> ~ ! -.
export type Expr =
  | { kind: 'num'; value: bigint }
  | { kind: 'reg'; name: string }
  | { kind: 'sym'; name: string } // a global variable or map name
  | { kind: 'unary'; op: '-' | '~' | '!'; arg: Expr }
  /** `*(u32 *)ADDR`: memory of a builtin integer type (what `set` and `x` write and read). */
  | { kind: 'deref'; size: 1 | 2 | 4 | 8; signed: boolean; addr: Expr }
  /** `*EXPR`: the pointee of a pointer, else the u64 at an address. */
  | { kind: 'star'; arg: Expr }
  | { kind: 'addr'; arg: Expr }
  | { kind: 'member'; base: Expr; name: string; arrow: boolean }
  | { kind: 'index'; base: Expr; index: Expr }
  | { kind: 'cast'; type: TypeName; arg: Expr }
  | { kind: 'sizeof'; type: TypeName | null; arg: Expr | null }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr };

/** A type as written in a cast or sizeof: `struct __sk_buff` with one `*`, `u32`... */
export interface TypeName {
  base: string;
  ptr: number;
}

export type BinaryOp = '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||';
