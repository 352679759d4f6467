// The session's output: numbered lines (front ends append the ones they have not seen),
// bounded so a View stays cheap to build.
import type { OutputKind, OutputLine } from './view.ts';

export class OutputLog {
  private lines: OutputLine[] = [];
  private seq = 0;
  /** One list per command being collected: a command run by another (source, breakpoint commands) nests. */
  private collecting: OutputLine[][] = [];
  constructor(private readonly keep = 200) {}

  append(kind: OutputKind, text: string): OutputLine[] {
    const out: OutputLine[] = [];
    for (const t of text.split('\n')) {
      const l: OutputLine = { seq: ++this.seq, kind, text: t };
      this.lines.push(l);
      out.push(l);
      for (const c of this.collecting) c.push(l);
    }
    if (this.lines.length > this.keep) this.lines = this.lines.slice(-this.keep);
    return out;
  }

  /** Starts gathering every line appended from now on (a command's whole output, unbounded). */
  collect(): void {
    this.collecting.push([]);
  }

  /** The lines gathered since collect(). */
  collected(): OutputLine[] {
    return this.collecting.pop() ?? [];
  }

  /** The last lines, as an immutable array (a new one after each append). */
  tail(): OutputLine[] {
    return this.lines.slice();
  }
}
