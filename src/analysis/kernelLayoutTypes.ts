// The shape of a kernel's struct layouts (kernelLayout.ts): its own file so the generated
// table (kernelLayoutTable.ts) and kernelLayout.ts, which reads it, do not import each other.

export interface FieldLoc {
  /** Byte offset from the start of the struct. */
  off: number;
  /** sizeof_field, bytes (0 for the zero-size marker arrays). */
  size: number;
}

export interface KernelLayout {
  release: string;
  /** sizeof(struct X), by struct name. */
  sizes: Readonly<Record<string, number>>;
  /** `struct.member.path` -> location. */
  fields: Readonly<Record<string, FieldLoc>>;
}
