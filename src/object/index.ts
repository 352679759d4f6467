// Public API of the object layer: load a clang-built BPF ELF object as libbpf would.
export { loadObject, loadObjectFile, objectName, type LoadOptions } from './loadObject.ts';
export { ObjCode } from './errors.ts';
export { findLinfo, lineAt } from './lineInfo.ts';
export { progTypeOf } from './progType.ts';
export * from './types.ts';
export { chooseProgram } from './entryProgram.ts';
