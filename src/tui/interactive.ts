// Ink checks CI / CONTINUOUS_INTEGRATION once, when it is first loaded, and in "CI" renders
// only the last frame, at exit. The full-screen UI runs only when the user is at a terminal
// (bpfdbg chooses batch mode otherwise), so a CI variable left in a developer's shell, or a
// CI job driving the UI through tmux, would show a blank screen until quit. This module is
// imported before Ink (first import of run.tsx) and hides those variables from it.
for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[key];

// Ink's layout engine (yoga) decodes its embedded wasm through `fetch` of a data: URL
// when a global fetch exists, and Node's first use of fetch loads undici: ~85 ms of the
// UI's start-up (bench/native.ts, first frame). Without fetch it decodes the bytes
// directly. run.tsx puts fetch back once Ink has loaded (restoreFetch).
const hiddenFetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
if (hiddenFetch?.configurable) delete (globalThis as { fetch?: unknown }).fetch;

export function restoreFetch(): void {
  if (hiddenFetch?.configurable && !Object.hasOwn(globalThis, 'fetch')) Object.defineProperty(globalThis, 'fetch', hiddenFetch);
}
