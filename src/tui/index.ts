// Public API of the TUI layer.
export { runTui, type TuiOptions } from './run.tsx';
export { App, type AppProps } from './App.tsx';
export type { SessionPort } from './sessionPort.ts';
export { keymap, KEY_HELP, FOCUS_ORDER, type KeyAction, type KeyPress, type PaneId, type FocusId } from './keymap.ts';
export { themeFor, ThemeContext, type Theme } from './theme.ts';
