// Maps of an object, in libbpf order (bpf_object__init_maps, v1.x): BTF-defined maps of
// `.maps` in DATASEC order, then one internal ARRAY map per global-data section.
// Also the prog_array / map-in-map initialisers from `.rel.maps` (§2.7 of the reference).
import { BTF_KIND, findByNameKind, resolveSize, skipModsAndTypedefs, type Btf, type BtfType } from './btf.ts';
import { btfMissing, mapBad, mapInitBad, ObjError, type FileWhere } from './errors.ts';
import { STT_FUNC, symbolsBySection, type Elf, type ElfRel, type ElfSection, type ElfSymbol } from './elf.ts';
import type { DataSection } from './sections.ts';
import { MapType, type GlobalVar, type MapDef } from './types.ts';
import { BPF_OBJ_NAME_LEN } from '../common/kernelLimits.ts';
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG } from '../bpf/uapiFlags.ts';

const R_BPF_64_ABS64 = 2;

/** A user map plus where its definition lives in `.maps` (for relocations). */
export interface UserMap {
  def: MapDef;
  secOffset: number;
  varSize: number;
  /** The map's definition struct (for the `values` member). */
  struct: BtfType;
}

/** libbpf's datasec fixup: clang may leave DATASEC size/offsets 0; fill them from ELF. */
export function fixupDatasec(btf: Btf, elf: Elf, sec: ElfSection): BtfType | undefined {
  const ds = findByNameKind(btf, sec.name, BTF_KIND.DATASEC);
  if (!ds || !ds.vars) return ds;
  if (ds.sizeOrType === 0) {
    ds.sizeOrType = sec.size;
    const byName = new Map<string, number>();
    for (const s of symbolsBySection(elf).get(sec.index) ?? []) if (!byName.has(s.name)) byName.set(s.name, s.value);
    for (const v of ds.vars) {
      const vt = btf.types[v.type]!;
      if (vt.kind !== BTF_KIND.VAR || vt.linkage === 0 || vt.linkage === 2) continue;
      const off = byName.get(vt.name);
      if (off !== undefined) v.offset = off;
    }
  }
  ds.vars.sort((a, b) => a.offset - b.offset);
  return ds;
}

export function collectUserMaps(btf: Btf | undefined, elf: Elf, mapsSec: ElfSection): UserMap[] {
  const w: FileWhere = { file: elf.file, section: '.maps', fileOff: mapsSec.hdrOff };
  if (!btf) throw new ObjError(btfMissing(w, "BTF is required for BTF-defined maps in '.maps'"));
  const ds = fixupDatasec(btf, elf, mapsSec);
  if (!ds) throw new ObjError(btfMissing(w, "no BTF DATASEC '.maps' describes the '.maps' section"));
  const out: UserMap[] = [];
  // Maps sharing one definition struct parse it once (a crafted BTF could otherwise make
  // every one of thousands of maps walk the same huge member list).
  const parsed = new Map<number, MapDef>();
  for (const vi of ds.vars!) {
    const v = btf.types[vi.type]!;
    if (v.kind !== BTF_KIND.VAR) throw new ObjError(mapBad(w, `#${out.length}`, `DATASEC entry ${vi.type} is not a VAR`));
    const name = v.name;
    const mw: FileWhere = { ...w, fileOff: mapsSec.offset + Math.min(vi.offset, mapsSec.size) };
    // libbpf accepts global (1) and static (0) map variables; an extern map (2) must come
    // from another object through the static linker (bpftool gen object), not from here.
    if (v.linkage !== 1 && v.linkage !== 0)
      throw new ObjError(
        mapBad(mw, name, v.linkage === 2 ? 'extern map: link the object that defines it first (bpftool gen object)' : `unsupported map linkage ${v.linkage}`),
      );
    const st = skipModsAndTypedefs(btf, v.sizeOrType);
    if (!st || st.kind !== BTF_KIND.STRUCT) throw new ObjError(mapBad(mw, name, 'definition is not a struct'));
    if (st.sizeOrType > vi.size) throw new ObjError(mapBad(mw, name, `definition struct (${st.sizeOrType} bytes) is larger than the variable (${vi.size})`));
    if (vi.offset + vi.size > mapsSec.size) throw new ObjError(mapBad(mw, name, "variable extends past the end of '.maps'"));
    const prev = out[out.length - 1];
    if (prev && vi.offset < prev.secOffset + prev.varSize) throw new ObjError(mapBad(mw, name, `overlaps map '${prev.def.name}' in '.maps'`));
    let proto = parsed.get(st.id);
    if (!proto) parsed.set(st.id, (proto = parseMapDef(btf, st, name, mw)));
    const def: MapDef = { ...proto, name, index: out.length };
    out.push({ def, secOffset: vi.offset, varSize: vi.size, struct: st });
  }
  return out;
}

function parseMapDef(btf: Btf, st: BtfType, name: string, w: FileWhere): MapDef {
  const bad = (what: string): never => {
    throw new ObjError(mapBad(w, name, what));
  };
  const intField = (m: { name: string; type: number }): number => {
    const p = skipModsAndTypedefs(btf, m.type);
    if (!p || p.kind !== BTF_KIND.PTR) bad(`attr '${m.name}': expected PTR, got ${p?.kind}`);
    const arr = btf.types[p!.sizeOrType]!;
    if (arr.kind !== BTF_KIND.ARRAY) bad(`attr '${m.name}': expected ARRAY, got ${arr.kind}`);
    return arr.array!.nelems;
  };
  let type: number | undefined;
  let keySize = 0,
    valueSize = 0,
    maxEntries = 0,
    flags = 0;
  let btfKeyTypeId: number | undefined, btfValueTypeId: number | undefined;
  let pinning = 0;
  const members = st.members!;
  members.forEach((m, i) => {
    switch (m.name) {
      case 'type':
        type = intField(m);
        break;
      case 'max_entries':
        maxEntries = intField(m);
        break;
      case 'map_flags':
        flags = intField(m);
        break;
      case 'numa_node':
        intField(m);
        break;
      case 'pinning':
        pinning = intField(m);
        break;
      case 'map_extra': {
        const t = skipModsAndTypedefs(btf, m.type);
        if (t && (t.kind === BTF_KIND.ENUM || t.kind === BTF_KIND.ENUM64)) break;
        intField(m);
        break;
      }
      case 'key_size':
      case 'value_size': {
        const sz = intField(m);
        const cur = m.name === 'key_size' ? keySize : valueSize;
        if (cur && cur !== sz) bad(`conflicting ${m.name} ${cur} != ${sz}`);
        if (m.name === 'key_size') keySize = sz;
        else valueSize = sz;
        break;
      }
      case 'key':
      case 'value': {
        const p = skipModsAndTypedefs(btf, m.type);
        if (!p || p.kind !== BTF_KIND.PTR) bad(`${m.name} spec is not PTR`);
        const sz = resolveSize(btf, p!.sizeOrType);
        if (sz === undefined) bad(`can't determine ${m.name} size for type [${p!.sizeOrType}]`);
        const cur = m.name === 'key' ? keySize : valueSize;
        if (cur && cur !== sz) bad(`conflicting ${m.name} size ${cur} != ${sz}`);
        if (m.name === 'key') {
          keySize = sz!;
          btfKeyTypeId = p!.sizeOrType;
        } else {
          valueSize = sz!;
          btfValueTypeId = p!.sizeOrType;
        }
        break;
      }
      case 'values': {
        const isProgArray = type === MapType.PROG_ARRAY;
        const isMapInMap = type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;
        if (i !== members.length - 1) bad("'values' must be the last member");
        if (!isProgArray && !isMapInMap) bad(`'values' is only for prog-array or map-in-map maps, not type ${type}`);
        const a = skipModsAndTypedefs(btf, m.type);
        if (!a || a.kind !== BTF_KIND.ARRAY || a.array!.nelems !== 0) bad("'values' must be a zero-sized array");
        const p = skipModsAndTypedefs(btf, a!.array!.type);
        if (!p || p.kind !== BTF_KIND.PTR) bad("'values' must be an array of pointers");
        const target = skipModsAndTypedefs(btf, p!.sizeOrType);
        if (isProgArray && target?.kind !== BTF_KIND.FUNC_PROTO) bad("prog-array 'values' must point at a function prototype");
        if (isMapInMap && target?.kind !== BTF_KIND.STRUCT) bad("map-in-map 'values' must point at a map definition struct");
        if (valueSize && valueSize !== 4) bad(`conflicting value size ${valueSize} != 4`);
        valueSize = 4;
        break;
      }
      default:
        bad(`unknown field '${m.name}'`);
    }
  });
  if (type === undefined) bad("map type isn't specified");
  const def: MapDef = { index: 0, name, type: type!, keySize, valueSize, maxEntries, flags, kind: 'user' };
  if (btfKeyTypeId !== undefined) def.btfKeyTypeId = btfKeyTypeId;
  if (btfValueTypeId !== undefined) def.btfValueTypeId = btfValueTypeId;
  // libbpf parse_btf_map_def: LIBBPF_PIN_NONE (0) or LIBBPF_PIN_BY_NAME (1), nothing else.
  if (pinning > 1) bad(`invalid pinning value ${pinning}`);
  if (pinning === 1) def.pinning = pinning;
  return def;
}

/** libbpf internal_map_name: `<object prefix><section>` within 15 chars, or `.data.foo` as is. */
export function internalMapName(objName: string, secName: string): string {
  let name: string;
  if (secName.indexOf('.', 1) >= 0) name = secName.slice(0, BPF_OBJ_NAME_LEN - 1);
  else {
    const sfxLen = Math.max(7, secName.length);
    const pfxLen = Math.max(0, Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objName.length));
    name = (objName.slice(0, pfxLen) + secName).slice(0, BPF_OBJ_NAME_LEN - 1);
  }
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

/**
 * KMALLOC_MAX_SIZE on x86-64 (4 KiB pages, MAX_PAGE_ORDER 10): array_map_alloc_check
 * refuses larger values with E2BIG. Checked before allocating a `.bss` image, whose
 * size comes from the header alone.
 */
const KMALLOC_MAX_SIZE = 4 << 20;

export function collectDataMaps(btf: Btf | undefined, elf: Elf, objName: string, data: DataSection[], first: number): MapDef[] {
  return data.map(({ sec, kind }, i) => {
    if (sec.size > KMALLOC_MAX_SIZE)
      throw new ObjError(
        mapBad(
          { file: elf.file, section: sec.name, fileOff: sec.hdrOff },
          internalMapName(objName, sec.name),
          `global data of ${sec.size} bytes exceeds the largest array value (KMALLOC_MAX_SIZE, ${KMALLOC_MAX_SIZE})`,
        ),
      );
    const ds = btf ? fixupDatasec(btf, elf, sec) : undefined;
    let flags = kind === 'rodata' ? BPF_F_RDONLY_PROG : 0;
    // BPF_F_MMAPABLE when the section has at least one non-static variable (libbpf map_is_mmapable).
    if (ds?.vars?.some((v) => btf!.types[v.type]!.kind === BTF_KIND.VAR && btf!.types[v.type]!.linkage !== 0)) flags |= BPF_F_MMAPABLE;
    const def: MapDef = {
      index: first + i,
      name: internalMapName(objName, sec.name),
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: sec.size,
      maxEntries: 1,
      flags,
      kind,
      section: sec.name,
      initialValue: kind === 'bss' ? new Uint8Array(sec.size) : sec.data.slice(),
    };
    if (ds) def.btfValueTypeId = ds.id;
    return def;
  });
}

/**
 * The `.kconfig` map libbpf adds after the global-data maps when the object has kconfig
 * externs (bpf_object__init_kconfig_map): a read-only ARRAY holding their values.
 */
export function kconfigMapDef(objName: string, index: number, value: Uint8Array): MapDef {
  return {
    index,
    name: internalMapName(objName, '.kconfig'),
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: value.length,
    maxEntries: 1,
    flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
    kind: 'rodata',
    section: '.kconfig',
    initialValue: value,
  };
}

/** Global variables: object symbols inside global-data sections, by (map, offset). */
export function collectGlobals(elf: Elf, data: DataSection[], dataMaps: MapDef[]): GlobalVar[] {
  const out: GlobalVar[] = [];
  data.forEach(({ sec }, i) => {
    for (const s of symbolsBySection(elf).get(sec.index) ?? []) {
      if (s.type !== 1 /* STT_OBJECT */) continue;
      if (s.value + s.size > sec.size)
        throw new ObjError(
          mapBad(
            { file: elf.file, section: sec.name, fileOff: elf.symtab.offset + s.index * 24 },
            dataMaps[i]!.name,
            `variable '${s.name}' [${s.value}, +${s.size}) lies outside the section (${sec.size} bytes)`,
          ),
        );
      out.push({ name: s.name, mapIndex: dataMaps[i]!.index, section: sec.name, offset: s.value, size: s.size });
    }
  });
  return out.sort((a, b) => a.mapIndex - b.mapIndex || a.offset - b.offset);
}

/** Where a program starts, for prog_array initialisers (entry programs only). */
export interface ProgStart {
  name: string;
  shndx: number;
  byteOff: number;
}

/** Applies `.rel.maps`: prog_array slots -> program names (libbpf init_prog_array_slots). */
export function applyMapInits(elf: Elf, mapsSec: ElfSection, rels: ElfRel[], maps: UserMap[], progs: ProgStart[]): void {
  // Map variables are sorted and do not overlap (collectUserMaps), so a binary search finds the one holding a slot.
  const byOff = [...maps].sort((a, b) => a.secOffset - b.secOffset);
  const mapAt = (off: number): UserMap | undefined => {
    let lo = 0,
      hi = byOff.length - 1,
      best: UserMap | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (byOff[mid]!.secOffset <= off) {
        best = byOff[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best && off + 8 <= best.secOffset + best.varSize ? best : undefined;
  };
  const progByName = new Map(progs.map((p) => [p.name, p]));
  const mapNames = new Set(maps.map((m) => m.def.name));
  for (const rel of rels) {
    const w: FileWhere = { file: elf.file, section: '.rel.maps', fileOff: rel.fileOff };
    const sym: ElfSymbol = elf.symbols[rel.sym]!;
    if (rel.type !== R_BPF_64_ABS64) throw new ObjError(mapInitBad(w, `'.maps' relocation type ${rel.type} is not R_BPF_64_ABS64`));
    const m = mapAt(rel.offset);
    if (!m) throw new ObjError(mapInitBad(w, `'.maps' relocation at offset ${rel.offset} is not inside any map`));
    const last = m.struct.members![m.struct.members!.length - 1];
    if (!last || last.name !== 'values') throw new ObjError(mapInitBad(w, `map '${m.def.name}': initialiser without a 'values' member`));
    const moff = last.bitOffset / 8;
    const rel0 = rel.offset - m.secOffset;
    if (rel0 < moff || (rel0 - moff) % 8 !== 0)
      throw new ObjError(mapInitBad(w, `map '${m.def.name}': relocation at offset ${rel.offset} is not a 'values' slot`));
    const slot = (rel0 - moff) / 8;
    if (slot >= m.def.maxEntries) throw new ObjError(mapInitBad(w, `map '${m.def.name}': initialiser slot ${slot} is past max_entries ${m.def.maxEntries}`));
    if (m.def.type === MapType.PROG_ARRAY) {
      const p = progByName.get(sym.name);
      if (!p || sym.type !== STT_FUNC || p.shndx !== sym.shndx || p.byteOff !== sym.value)
        throw new ObjError(mapInitBad(w, `map '${m.def.name}': slot ${slot} names '${sym.name}', which is not an entry program`));
      (m.def.initSlots ??= []).push({ slot, prog: sym.name });
    } else {
      // Map-in-map initialisers name inner maps; bpfdbg does not model map-in-map contents.
      if (sym.shndx !== mapsSec.index || !mapNames.has(sym.name))
        throw new ObjError(mapInitBad(w, `map '${m.def.name}': slot ${slot} names '${sym.name}', which is not a map`));
    }
  }
  for (const m of maps) m.def.initSlots?.sort((a, b) => a.slot - b.slot);
}
