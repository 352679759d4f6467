// The session's output: numbered lines (front ends append the ones they have not seen),
// bounded so a View stays cheap to build.
import type { OutputKind, OutputLine } from './view.ts';

export class OutputLog {
  private lines: OutputLine[] = [];
  private seq = 0;
  constructor(private readonly keep = 200) {}

  append(kind: OutputKind, text: string): OutputLine[] {
    const out: OutputLine[] = [];
    for (const t of text.split('\n')) {
      const l: OutputLine = { seq: ++this.seq, kind, text: t };
      this.lines.push(l);
      out.push(l);
    }
    if (this.lines.length > this.keep) this.lines = this.lines.slice(-this.keep);
    return out;
  }

  /** The last lines, as an immutable array (a new one after each append). */
  tail(): OutputLine[] {
    return this.lines.slice();
  }
}
