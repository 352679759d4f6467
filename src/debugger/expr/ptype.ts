// gdb's `ptype` and `whatis` text. whatis names a type one typedef level down (`type =
// __u32`); ptype expands typedefs and prints a struct, union or enum with its body, members
// four spaces in, anonymous inner structs expanded in place, bitfields as `: N`.
import { strip, typeName, type CType } from './ctype.ts';

/** `whatis`: an expression's type as declared; a typedef name given as a type: what it names. */
export function whatisText(t: CType, typeGiven: boolean): string {
  return `type = ${typeName(typeGiven && t.k === 'typedef' ? t.of() : t)}`;
}

/** `ptype`: the type with typedefs resolved and the outermost struct/union/enum expanded. */
export function ptypeText(t: CType): string {
  // Peel pointers and arrays to find the struct to expand, keeping the declarator.
  let decl = '';
  let cur = strip(t);
  for (let d = 0; d < 8; d++) {
    if (cur.k === 'ptr') {
      decl = `*${decl}`;
      cur = strip(cur.to);
    } else if (cur.k === 'array') {
      decl = `${decl}[${cur.n}]`;
      cur = strip(cur.of);
    } else break;
  }
  const suffix = decl === '' ? '' : decl.startsWith('[') ? decl : ` ${decl}`;
  if (cur.k === 'struct' || cur.k === 'enum') return `type = ${body(cur, '')}${suffix}`;
  return `type = ${typeName(t.k === 'typedef' ? strip(t) : t)}`;
}

function body(t: Extract<CType, { k: 'struct' | 'enum' }>, indent: string): string {
  if (t.k === 'enum') {
    let next = 0n;
    const vals = t.values.map((e) => {
      const s = e.value === next ? e.name : `${e.name} = ${e.value}`;
      next = e.value + 1n;
      return s;
    });
    return `enum ${t.name ? `${t.name} ` : ''}{${vals.join(', ')}}`;
  }
  const lines = [`${t.union ? 'union' : 'struct'} ${t.name ? `${t.name} ` : ''}{`];
  const pad = `${indent}    `;
  for (const m of t.members()) {
    const s = strip(m.type);
    const bits = m.bitSize ? ` : ${m.bitSize}` : '';
    // Anonymous structs and unions have no name to refer to: gdb expands them in place.
    if ((s.k === 'struct' || s.k === 'enum') && !s.name) lines.push(`${pad}${body(s, pad)}${m.name ? ` ${m.name}` : ''}${bits};`);
    else lines.push(`${pad}${typeName(m.type, m.name)}${bits};`);
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}
