// A minimal little-endian .BTF writer for crafted loader inputs (tests only): the kinds
// extern declarations use. Type ids are 1-based in call order.
const KIND = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, ENUM: 6, CONST: 10, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15 } as const;

export class BtfWriter {
  private readonly strs: number[] = [0];
  private readonly words: number[] = [];
  private next = 1;

  private str(s: string): number {
    if (!s) return 0;
    const off = this.strs.length;
    for (const c of s) this.strs.push(c.charCodeAt(0));
    this.strs.push(0);
    return off;
  }

  private rec(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = [], kflag = 0): number {
    this.words.push(this.str(name), ((kflag << 31) | (kind << 24) | vlen) >>> 0, sizeOrType, ...extra);
    return this.next++;
  }

  /** INT with encoding bits (1 signed, 2 char, 4 bool). */
  int(name: string, size: number, encoding = 0): number {
    return this.rec(name, KIND.INT, 0, size, [((encoding << 24) | (size * 8)) >>> 0]);
  }
  ptr(type: number): number {
    return this.rec('', KIND.PTR, 0, type);
  }
  struct(name: string, size: number, members: { name: string; type: number; bitOffset: number }[]): number {
    return this.rec(
      name,
      KIND.STRUCT,
      members.length,
      size,
      members.flatMap((m) => [this.str(m.name), m.type, m.bitOffset]),
    );
  }
  /** `const void` (the type of a typeless `__ksym`). */
  constVoid(): number {
    return this.rec('', KIND.CONST, 0, 0);
  }
  array(elem: number, index: number, nelems: number): number {
    return this.rec('', KIND.ARRAY, 0, 0, [elem, index, nelems]);
  }
  enum(name: string, values: [string, number][]): number {
    const extra = values.flatMap(([n, v]) => [this.str(n), v >>> 0]);
    return this.rec(name, KIND.ENUM, values.length, 4, extra);
  }
  funcProto(ret: number, params: number[]): number {
    return this.rec(
      '',
      KIND.FUNC_PROTO,
      params.length,
      ret,
      params.flatMap((t) => [0, t]),
    );
  }
  /** FUNC with linkage (0 static, 1 global, 2 extern). */
  func(name: string, proto: number, linkage: number): number {
    return this.rec(name, KIND.FUNC, linkage, proto);
  }
  /** VAR with linkage (0 static, 1 global, 2 extern). */
  variable(name: string, type: number, linkage: number): number {
    return this.rec(name, KIND.VAR, 0, type, [linkage]);
  }
  datasec(name: string, vars: { type: number; offset: number; size: number }[], size = 0): number {
    return this.rec(
      name,
      KIND.DATASEC,
      vars.length,
      size,
      vars.flatMap((v) => [v.type, v.offset, v.size]),
    );
  }

  bytes(): Uint8Array {
    const typeLen = this.words.length * 4;
    const out = new Uint8Array(24 + typeLen + this.strs.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, true);
    out[2] = 1;
    dv.setUint32(4, 24, true);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, typeLen, true);
    dv.setUint32(16, typeLen, true);
    dv.setUint32(20, this.strs.length, true);
    this.words.forEach((w, i) => dv.setUint32(24 + i * 4, w, true));
    out.set(this.strs, 24 + typeLen);
    return out;
  }
}
