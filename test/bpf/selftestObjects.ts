// Test fixture access: the kernel selftest objects and their llvm-objdump listings.
// A minimal ELF64 section reader (tests must not depend on src/object) and a .dis parser.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { present } from '../support/required.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testdataDir = path.resolve(repoRoot, '../shared/testdata');
export const selftestObjDir = path.join(testdataDir, 'kernel-selftests/obj');

export function selftestObjects(): string[] {
  if (!present(selftestObjDir, 'kernel selftest objects')) return [];
  return fs
    .readdirSync(selftestObjDir)
    .filter((f) => f.endsWith('.o'))
    .map((f) => f.slice(0, -2))
    .sort();
}

/** Executable (SHF_EXECINSTR) sections of an ELF64 LE object: name -> bytes. */
export function execSections(file: string): Map<string, Uint8Array> {
  const b = fs.readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shentsize = dv.getUint16(0x3a, true);
  const shnum = dv.getUint16(0x3c, true);
  const shstrndx = dv.getUint16(0x3e, true);
  const sh = (k: number) => {
    const o = shoff + k * shentsize;
    return {
      name: dv.getUint32(o, true),
      flags: Number(dv.getBigUint64(o + 8, true)),
      offset: Number(dv.getBigUint64(o + 0x18, true)),
      size: Number(dv.getBigUint64(o + 0x20, true)),
    };
  };
  const strtab = sh(shstrndx);
  const name = (off: number) => {
    let e = strtab.offset + off;
    while (b[e] !== 0) e++;
    return b.subarray(strtab.offset + off, e).toString('latin1');
  };
  const out = new Map<string, Uint8Array>();
  for (let k = 0; k < shnum; k++) {
    const s = sh(k);
    if (s.flags & 0x4 && s.size > 0) out.set(name(s.name), new Uint8Array(b.subarray(s.offset, s.offset + s.size)));
  }
  return out;
}

export interface DisLine {
  section: string;
  index: number;
  bytes: string;
  text: string;
}

/** Instruction lines of an llvm-objdump -d -r listing (relocation lines dropped). */
export function parseDis(file: string): DisLine[] {
  const out: DisLine[] = [];
  let section = '';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) section = sec[1]!;
    const m = /^\s+(\d+):\t([0-9a-f ]+)\t(.*)$/.exec(line);
    if (m) out.push({ section, index: Number(m[1]), bytes: m[2]!.trim(), text: m[3]! });
  }
  return out;
}
