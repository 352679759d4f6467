// The command line as a reducer (state + action union, as cli-kit's select state):
// editing, history (up/down, with the unfinished line kept as a draft), and Tab
// completion that completes the common prefix first and then cycles.
export interface Completion {
  /** Line text with the word being completed removed (the part completions attach to). */
  head: string;
  /** Text after the cursor, preserved while cycling. */
  tail: string;
  candidates: string[];
  /** Candidate shown now; -1 before the first cycle. */
  index: number;
}

export interface CommandLineState {
  text: string;
  cursor: number;
  history: string[];
  /** Position in history while browsing (history.length = the draft). */
  historyIndex: number;
  draft: string;
  completion: Completion | null;
}

export type CommandLineAction =
  | { kind: 'insert'; text: string }
  | { kind: 'backspace' }
  | { kind: 'deleteForward' }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'home' }
  | { kind: 'end' }
  | { kind: 'killLine' }
  | { kind: 'killWord' }
  | { kind: 'historyPrev' }
  | { kind: 'historyNext' }
  /** Tab / Shift-Tab; `candidates` are the completions for the current last word. */
  | { kind: 'complete'; candidates: string[]; backwards: boolean }
  | { kind: 'clear' }
  /** Enter: records the line in history and clears it (the caller reads the line first). */
  | { kind: 'submit' };

export const HISTORY_MAX = 500;

export function initialCommandLine(history: string[] = []): CommandLineState {
  return { text: '', cursor: 0, history, historyIndex: history.length, draft: '', completion: null };
}

/** The line Enter runs: the text, or (gdb) the previous command when the line is empty. */
export function lineToRun(s: CommandLineState): string | null {
  const t = s.text.trim();
  if (t !== '') return t;
  return s.history.length > 0 ? s.history[s.history.length - 1]! : null;
}

/** The word under completion: from the last space before the cursor to the cursor. */
export function wordBeforeCursor(s: CommandLineState): { start: number; word: string } {
  const before = s.text.slice(0, s.cursor);
  const start = before.lastIndexOf(' ') + 1;
  return { start, word: before.slice(start) };
}

function commonPrefix(words: string[]): string {
  if (words.length === 0) return '';
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

const edit = (s: CommandLineState, text: string, cursor: number): CommandLineState => ({ ...s, text, cursor, completion: null });

export function commandLineReducer(s: CommandLineState, a: CommandLineAction): CommandLineState {
  switch (a.kind) {
    case 'insert':
      return edit(s, s.text.slice(0, s.cursor) + a.text + s.text.slice(s.cursor), s.cursor + a.text.length);
    case 'backspace':
      return s.cursor === 0 ? s : edit(s, s.text.slice(0, s.cursor - 1) + s.text.slice(s.cursor), s.cursor - 1);
    case 'deleteForward':
      return edit(s, s.text.slice(0, s.cursor) + s.text.slice(s.cursor + 1), s.cursor);
    case 'left':
      return { ...s, cursor: Math.max(0, s.cursor - 1), completion: null };
    case 'right':
      return { ...s, cursor: Math.min(s.text.length, s.cursor + 1), completion: null };
    case 'home':
      return { ...s, cursor: 0, completion: null };
    case 'end':
      return { ...s, cursor: s.text.length, completion: null };
    case 'killLine':
      return edit(s, s.text.slice(s.cursor), 0);
    case 'killWord': {
      const before = s.text.slice(0, s.cursor).replace(/\S+\s*$/, '');
      return edit(s, before + s.text.slice(s.cursor), before.length);
    }
    case 'historyPrev':
    case 'historyNext': {
      const to = s.historyIndex + (a.kind === 'historyPrev' ? -1 : 1);
      if (to < 0 || to > s.history.length) return s;
      const draft = s.historyIndex === s.history.length ? s.text : s.draft;
      const text = to === s.history.length ? draft : s.history[to]!;
      return { ...s, text, cursor: text.length, historyIndex: to, draft, completion: null };
    }
    case 'complete':
      return complete(s, a.candidates, a.backwards);
    case 'clear':
      return { ...s, text: '', cursor: 0, historyIndex: s.history.length, draft: '', completion: null };
    case 'submit': {
      const t = s.text.trim();
      const last = s.history[s.history.length - 1];
      const history = t === '' || t === last ? s.history : [...s.history, t].slice(-HISTORY_MAX);
      return { text: '', cursor: 0, history, historyIndex: history.length, draft: '', completion: null };
    }
  }
}

function complete(s: CommandLineState, fresh: string[], backwards: boolean): CommandLineState {
  // A second Tab cycles through the list the first Tab found.
  if (s.completion && s.completion.candidates.length > 1) {
    const c = s.completion;
    const n = c.candidates.length;
    const index = c.index < 0 ? (backwards ? n - 1 : 0) : (c.index + (backwards ? n - 1 : 1)) % n;
    const word = c.candidates[index]!;
    return { ...s, text: c.head + word + c.tail, cursor: c.head.length + word.length, completion: { ...c, index } };
  }
  const { start, word } = wordBeforeCursor(s);
  const candidates = [...new Set(fresh.filter((w) => w.startsWith(word)))].sort();
  if (candidates.length === 0) return s;
  const head = s.text.slice(0, start);
  const tail = s.text.slice(s.cursor);
  if (candidates.length === 1) {
    const w = candidates[0]!;
    // A finished word gets a space; 'prog_a:' waits for its insn number.
    const add = w.endsWith(':') || tail.startsWith(' ') ? w : w + ' ';
    return { ...s, text: head + add + tail, cursor: head.length + add.length, completion: null };
  }
  const lcp = commonPrefix(candidates);
  const text = head + lcp + tail;
  return { ...s, text, cursor: head.length + lcp.length, completion: { head, tail, candidates, index: -1 } };
}
