// Test inputs that live outside the tests: the prebuilt examples and ../shared/testdata.
// Outside CI a missing input skips the tests that need it, saying why; under CI=true it is
// a failure, so a green CI can never mean "nothing was compared".
import { existsSync } from 'node:fs';

export const inCI = process.env.CI === 'true';

/** True when `path` exists; false outside CI; throws under CI=true. */
export function present(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  if (inCI) throw new Error(`${what} (${path}) is required under CI=true but absent`);
  return false;
}
