// Ink checks CI / CONTINUOUS_INTEGRATION once, when it is first loaded, and in "CI" renders
// only the last frame, at exit. The full-screen UI runs only when the user is at a terminal
// (bpfdbg chooses batch mode otherwise), so a CI variable left in a developer's shell, or a
// CI job driving the UI through tmux, would show a blank screen until quit. This module is
// imported before Ink (first import of run.tsx) and hides those variables from it.
for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[key];
export {};
