// debugger/: the UI-free engine (Session), the command language, batch mode.
export { Session, type SessionOptions } from './session.ts';
export { openSession } from './openSession.ts';
export { readMapped, memoryWriteCommands } from './memoryAccess.ts';
export { runBatch, batchJson, batchText, scriptLines, BATCH_SCHEMA } from './batch.ts';
export { launchTarget, pickEntry, type LaunchOptions, type LaunchHooks } from './target/launch.ts';
export type { DebugTarget, RunInput } from './target/debugTarget.ts';
export { TargetObjects, fileSource, type ObjectSource, type SessionObject, type SessionLink } from './target/objects.ts';
export { describeStep, type SetupStep, type TargetRef } from './target/setup.ts';
export { parseAttachSpec, parseLoadSpec, parsePin, parseReuse } from './commands/setupSpec.ts';
export { parseCommand } from './commands/parseCommand.ts';
export { COMMANDS, lookupCommand } from './commands/commandTable.ts';
export type { Command, LocationSpec } from './commands/types.ts';
export * from './view.ts';
export type { CommandResult } from './command.ts';
