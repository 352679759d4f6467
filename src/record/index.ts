// record/: session recording, replay, checkpoints and reverse execution.
export * from './format.ts';
export { RecCode } from './errors.ts';
export { encodeRecording, saveRecording, writeFileAtomic, sha256Hex } from './writer.ts';
export { decodeRecording, readRecordingFile } from './reader.ts';
export { TracingMachine, type TracingOptions } from './tracingMachine.ts';
export type { Checkpoint, CheckpointCause } from './checkpoints.ts';
export { launchTraced, recordingOptions, type TracedTarget } from './launch.ts';
export { RecordingNondet } from './recordingNondet.ts';
export { ReplayNondet } from './replayNondet.ts';
export { reverse, type ReverseOutcome, type ReverseWhat } from './reverse.ts';
export { TimeTravelSession } from './timeTravel.ts';
export { Recorder, openRecordingSession, defaultRecordingPath, type RecorderOptions } from './recorder.ts';
export { Replay, openReplay, parseStopAt, type ReplayReport, type StopAt } from './replayer.ts';
export { openDebugRecording, type DebugRecording, type DebugRecordingOptions } from './debugRecording.ts';
