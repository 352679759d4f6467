// Lines to terminal text: Select Graphic Rendition codes (ECMA-48 8.3.117) for each change
// of style, the same codes chalk emits for Ink's <Text> props, and a reset at the end so
// no style leaks into the next row or into an erase.
import { printable, type Line, type Style } from './styled.ts';

export const SGR_RESET = '\x1b[0m';

/** Ink's (chalk's) colour names and their foreground codes. */
const FG: Readonly<Record<string, number>> = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
  grey: 90,
  blackBright: 90,
  redBright: 91,
  greenBright: 92,
  yellowBright: 93,
  blueBright: 94,
  magentaBright: 95,
  cyanBright: 96,
  whiteBright: 97,
};

/** The SGR parameters of a style ('1;36'), '' for the default rendition. */
export function sgrParams(s: Style): string {
  const p: number[] = [];
  if (s.bold) p.push(1);
  if (s.dim) p.push(2);
  if (s.italic) p.push(3);
  if (s.inverse) p.push(7);
  const fg = s.color === undefined ? undefined : FG[s.color];
  if (fg !== undefined) p.push(fg);
  return p.join(';');
}

/**
 * One row as terminal text. Runs in the same style share one code; the row ends in the
 * default rendition (a following erase-in-line then clears in the default background).
 */
export function encodeLine(l: Line): string {
  let out = '';
  let cur = '';
  for (const s of l) {
    if (s.text === '') continue;
    const p = sgrParams(s.style);
    if (p !== cur) {
      out += p === '' ? SGR_RESET : cur === '' ? `\x1b[${p}m` : `\x1b[0;${p}m`;
      cur = p;
    }
    out += printable(s.text);
  }
  return cur === '' ? out : out + SGR_RESET;
}
