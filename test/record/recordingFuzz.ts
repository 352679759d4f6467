// One case of the structured recording fuzzer, shared by test/record/fuzz.test.ts and
// bench/fuzz-recording.ts: mutate, decode, and (when asked) replay what decodes. The
// outcome is a Diag code, 'accepted', 'replayed', or a failure: an exception, an
// internal-error Diag, or a malformed error (not one line).
import { decodeRecording, type Recording } from '../../src/record/index.ts';
import { mutateRecording } from './mutateRecording.ts';
import { replay } from './fixture.ts';

export interface FuzzOutcome {
  code: string;
  failure?: string;
}

const badDiag = (code: string, message: string): string | undefined =>
  /internal/.test(code) || /internal error/.test(message)
    ? `internal error ${code}: ${message}`
    : /\n/.test(message)
      ? `multi-line error: ${message}`
      : undefined;

export function decodeCase(base: Recording, seed: number, index: number): { outcome: FuzzOutcome; rec?: Recording } {
  try {
    const d = decodeRecording(mutateRecording(base, seed, index), 'fuzz.bpfrec');
    if (!d.ok) {
      const failure = badDiag(d.error.code, d.error.message);
      return { outcome: failure ? { code: d.error.code, failure } : { code: d.error.code } };
    }
    return { outcome: { code: 'accepted' }, rec: d.value };
  } catch (e) {
    return { outcome: { code: 'THREW', failure: `decode threw ${(e as Error).stack ?? String(e)}` } };
  }
}

export async function replayCase(rec: Recording): Promise<FuzzOutcome> {
  try {
    const r = await replay(rec, 'fuzz.bpfrec');
    if (r.ok) return { code: 'replayed' };
    const failure = badDiag(r.error.code, r.error.message);
    return failure ? { code: r.error.code, failure } : { code: r.error.code };
  } catch (e) {
    return { code: 'THREW', failure: `replay threw ${(e as Error).stack ?? String(e)}` };
  }
}
