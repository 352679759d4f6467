// Pure text helpers shared by panes: fixed-width hex, padding, clipping.
import type { Hex64 } from '../debugger/view.ts';

/** '0x1f' -> '0x000000000000001f' (registers read better in one column). */
export function padHex64(h: Hex64): string {
  const digits = h.startsWith('0x') ? h.slice(2) : h;
  return '0x' + digits.padStart(16, '0');
}

/** Short address for narrow panes: the low 8 digits of a kernel address ('c0000042'). */
export function shortAddr(h: Hex64): string {
  const digits = h.startsWith('0x') ? h.slice(2) : h;
  return digits.length > 8 ? digits.slice(-8) : digits.padStart(8, '0');
}

/** Pads or clips to exactly `width` columns (ASCII-width text). */
export function fit(s: string, width: number): string {
  if (width <= 0) return '';
  if (s.length > width) return width === 1 ? s.slice(0, 1) : s.slice(0, width - 1) + '…';
  return s.padEnd(width);
}

export function clip(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length > width ? (width === 1 ? s.slice(0, 1) : s.slice(0, width - 1) + '…') : s;
}

/** Signed frame offset: -24 -> '-0x18', 8 -> '+0x8'. */
export function fpOff(n: number): string {
  return (n < 0 ? '-0x' : '+0x') + Math.abs(n).toString(16);
}

/** First visible row of a window of `height` rows that keeps `focus` in view, a third from the top. */
export function windowStart(total: number, height: number, focus: number | null, scroll = 0): number {
  if (total <= height || height <= 0) return 0;
  const base = focus === null ? scroll : focus - Math.floor(height / 3);
  return Math.max(0, Math.min(total - height, base));
}
