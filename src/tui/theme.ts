// Colours by role, not by hue, so NO_COLOR (https://no-color.org) is one switch: with it,
// every colour is undefined and emphasis falls back to bold/inverse/underline, which the
// convention allows. chalk (under Ink) does not read NO_COLOR itself.
import { createContext, useContext } from 'react';

export interface Theme {
  color: boolean;
  /** Values that changed since the last stop. */
  changed: string | undefined;
  current: string | undefined;
  breakpoint: string | undefined;
  source: string | undefined;
  native: string | undefined;
  address: string | undefined;
  title: string | undefined;
  error: string | undefined;
  poke: Record<'A' | 'B' | 'C' | 'D', string | undefined>;
  tailCall: string | undefined;
  dim: string | undefined;
}

const COLOURED: Theme = {
  color: true,
  changed: 'yellow',
  current: 'green',
  breakpoint: 'red',
  source: 'cyan',
  native: 'gray',
  address: 'blue',
  title: 'cyan',
  error: 'red',
  poke: { A: 'red', B: 'green', C: 'blue', D: 'yellow' },
  tailCall: 'magenta',
  dim: 'gray',
};

const PLAIN: Theme = {
  color: false,
  changed: undefined,
  current: undefined,
  breakpoint: undefined,
  source: undefined,
  native: undefined,
  address: undefined,
  title: undefined,
  error: undefined,
  poke: { A: undefined, B: undefined, C: undefined, D: undefined },
  tailCall: undefined,
  dim: undefined,
};

/**
 * NO_COLOR set to any non-empty value disables colour (the convention's rule); so do
 * FORCE_COLOR=0 and TERM=dumb, which chalk honoured while Ink drew the screen.
 */
export function themeFor(env: Record<string, string | undefined>): Theme {
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return PLAIN;
  if (env['FORCE_COLOR'] === '0' || env['FORCE_COLOR'] === 'false') return PLAIN;
  return env['TERM'] === 'dumb' ? PLAIN : COLOURED;
}

export const ThemeContext = createContext<Theme>(themeFor(process.env));
export const useTheme = (): Theme => useContext(ThemeContext);
