// The state of a session's objects (objects.ts keeps it, objectLoad.ts fills it): its own
// file so loading names it without importing TargetObjects.
import type { BpfMap, LoadedObject, KernelProgram } from '../../kernel/index.ts';
import type { AttachKind, TracingLink } from '../../engine/attach.ts';
import type { DebugProgram } from './loadedProgram.ts';
import type { TraceTarget } from './trampolines.ts';

export interface SessionObject {
  /** Unique in the session: the qualifier of `OBJ:NAME`. */
  readonly name: string;
  /** The file as given (a recording's key for its bytes). */
  readonly path: string;
  readonly loaded: LoadedObject;
  readonly programs: DebugProgram[];
}

export interface SessionLink {
  /** bpf_link id. */
  readonly id: number;
  readonly prog: DebugProgram;
  readonly kind: AttachKind;
  readonly target: TraceTarget;
  readonly raw: TracingLink;
}

/** What reverse execution restores (a plain object: the recorder's state walk sees into it). */
export interface ObjectsState {
  /** (Not `objects`: the recorder's state walk skips fields of that name.) */
  loadedObjects: SessionObject[];
  links: SessionLink[];
  pins: Map<string, BpfMap>;
  /** Why a tracing program has no load-time target (ambiguous FUNC, kernel function). */
  noTarget: Map<KernelProgram, string>;
}
