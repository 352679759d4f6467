// Engines by name: the interpreter needs nothing; machine engines (x86_64, riscv64) JIT the
// loaded programs under a profile and run them on Unicorn. Filled in as the machine layer
// provides them.
import type { AnalysisOptions } from '../analysis/index.ts';
import type { Engine, KernelModel, KernelModelOptions, LoadedObject } from '../kernel/index.ts';

export interface MachineEngineSetup {
  engine: Engine;
  profileName: string;
  analysis: AnalysisOptions;
  modelOptions: KernelModelOptions;
  /** JITs and places every program of the loaded object (before any map update). */
  attach(model: KernelModel, loaded: LoadedObject): void;
  dispose(): void;
}

export async function machineEngineFor(name: string, profile: string | undefined): Promise<MachineEngineSetup | null> {
  void profile;
  if (name === 'interp') return null;
  // Until the machine engines land, every run uses the reference interpreter.
  return null;
}
