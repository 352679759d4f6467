// Public API of the kernel model. (src/kernel/pokes/* is exported by its own index.)
export * from './addressSpace.ts';
export * from './errors.ts';
export * from './nondet.ts';
export * from './ctx.ts';
export * from './kernelModel.ts';
export * from './testRun.ts';
export * from './maps/base.ts';
export { ArrayMap } from './maps/array.ts';
export { HashMap } from './maps/hash.ts';
export { ProgArrayMap, type ProgRef, type ProgArrayListener } from './maps/progArray.ts';
export { StubMap } from './maps/stub.ts';
export { createMap } from './maps/createMap.ts';
export * from './helpers/index.ts';
// pokes/ (the poke state machine) comes as a namespace: its EBUSY would clash with errors.ts.
export * as pokes from './pokes/index.ts';
