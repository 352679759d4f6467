// The thin adapter that turns a loaded kernel model into a DebugTarget on an x86-64
// Machine: every program JITed (compileX86 + linkImage) and placed at TEXT_BASE + n *
// TEXT_SLOT, bpf_func set, the model's address space mapped into the CPU (shared bytes),
// helpers trapped into the model, per-CPU private stacks with guards (6.13+), and the poke
// state machine following prog_array updates. Kept small so the machine layer's engine can
// replace it (see the report: what the engine should expose).
import { type Result, err, ok } from '../../common/diag.ts';
import { PERCPU_BASE, PERCPU_CPU_STRIDE, SENTINEL_ADDR, TEXT_BASE, TEXT_SLOT, THIS_CPU_OFF_ADDR, NR_CPUS, PAGE_SIZE } from '../../common/layout.ts';
import { PRIV_STACK_GUARD_SZ, PRIV_STACK_GUARD_VAL } from '../../common/kernelStructs.ts';
import type { JitEnv, JitProfile } from '../../jit/types.ts';
import { compileX86 } from '../../jit/x86_64/index.ts';
import { layoutPlacement, linkImage } from '../../jit/link.ts';
import { createMachine } from '../../machine/unicornMachine.ts';
import { PERM_RW, PERM_R, PERM_RX, type Machine } from '../../machine/machine.ts';
import { X86_GPRS } from '../../machine/regs.ts';
import { buildCtx, callHelper, ProgArrayMap, type KernelModel, type LoadedObject, type LoadedProgram as KProgram } from '../../kernel/index.ts';
import { PokeStateMachine } from '../../kernel/pokes/pokeStateMachine.ts';
import type { PlacedPoke } from '../../kernel/pokes/pokeDescriptor.ts';
import type { BpfCaller } from '../../bpf/interpreter.ts';
import { AddressIndex } from './addressIndex.ts';
import type { LoadedProgram } from './loadedProgram.ts';
import type { DebugTarget, RunInput } from './debugTarget.ts';

/** Per-CPU area size: this_cpu_off sits at 0x1f0e8; private stacks start above it. */
const PERCPU_SIZE = 0x40000;
const PRIV_STACK_START = 0x20000;

interface PrivBlock { off: number; size: number; framePtr: bigint }

export interface X86TargetInput {
  model: KernelModel;
  loaded: LoadedObject;
  entry: KProgram;
  profile: JitProfile;
  machine: Machine;
}

/** Creates the machine with the allocator the kernel model must be built with. */
export async function newX86Machine(): Promise<Machine> {
  return createMachine('x86_64');
}

export function buildX86Target(input: X86TargetInput): Result<DebugTarget> {
  const { model, loaded, profile, machine: m } = input;
  // The model's regions are host buffers from m.allocator(): map them with zero copy.
  for (const r of model.space.regions()) m.mapShared(r.base, r.bytes, r.writable ? PERM_RW : PERM_R);
  model.space.onMap((r) => m.mapShared(r.base, r.bytes, r.writable ? PERM_RW : PERM_R));
  for (let c = 0; c < NR_CPUS; c++) {
    if (!model.space.regionAt(PERCPU_BASE + BigInt(c) * PERCPU_CPU_STRIDE))
      model.space.map(`percpu cpu${c}`, PERCPU_BASE + BigInt(c) * PERCPU_CPU_STRIDE, PERCPU_SIZE);
  }
  const gsBase = PERCPU_BASE + BigInt(model.cpu) * PERCPU_CPU_STRIDE;
  m.selectCpu(model.cpu, gsBase);
  let privNext = PRIV_STACK_START;
  const privBlocks = new Map<string, PrivBlock>();

  const programs: LoadedProgram[] = [];
  const byKernel = new Map<KProgram, LoadedProgram>();
  const byName = new Map<string, KProgram>();
  for (const [n, kp] of loaded.programs.entries()) {
    const base = TEXT_BASE + BigInt(n) * TEXT_SLOT;
    const env: JitEnv = {
      mapAddr: (i) => loaded.maps[i]!.addr,
      mapValueAddr: (i) => loaded.maps[i]!.valueAddr,
      thisCpuOffAddr: THIS_CPU_OFF_ADDR,
      privStackPtr: (f) => {
        const key = `${kp.name}/${f}`;
        let b = privBlocks.get(key);
        if (!b) {
          const rsd = (kp.image.subprogs[f]!.stackDepth + 7) & ~7;
          b = { off: privNext, size: rsd + 2 * PRIV_STACK_GUARD_SZ, framePtr: BigInt(privNext + PRIV_STACK_GUARD_SZ + rsd) };
          privNext += (b.size + 15) & ~15;
          privBlocks.set(key, b);
          // Guards at both ends of every CPU's copy (bpf_jit_alloc_priv_stack).
          for (let c = 0; c < NR_CPUS; c++) {
            const cpuBase = PERCPU_BASE + BigInt(c) * PERCPU_CPU_STRIDE + BigInt(b.off);
            model.space.mustStore(cpuBase, 8, PRIV_STACK_GUARD_VAL);
            model.space.mustStore(cpuBase + BigInt(b.size - PRIV_STACK_GUARD_SZ), 8, PRIV_STACK_GUARD_VAL);
          }
        }
        return b.framePtr;
      },
    };
    const jr = compileX86(kp.image, profile, env);
    if (!jr.ok) return jr;
    const jit = jr.value;
    const funcBases: bigint[] = [];
    let off = 0n;
    for (const f of jit.funcs) {
      funcBases.push(base + off);
      off += (BigInt(f.code.length) + 63n) & ~63n;
    }
    if (off > TEXT_SLOT) return err('debug.text-slot', `${kp.name}: JITed code (${off} bytes) exceeds its text slot`);
    const linked = linkImage(jit, layoutPlacement(funcBases));
    if (!linked.ok) return linked;
    const size = Number(((off + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE)) * BigInt(PAGE_SIZE)) || PAGE_SIZE;
    m.map(base, size, PERM_RX);
    // Slack is int3, as in the prog pack.
    m.writeCode(base, new Uint8Array(size).fill(0xcc));
    linked.value.forEach((code, i) => m.writeCode(funcBases[i]!, code));
    model.setBpfFunc(kp, funcBases[0]!);
    const p: LoadedProgram = { name: kp.name, image: kp.image, jit, funcBases, progStruct: kp.structAddr };
    programs.push(p);
    byKernel.set(kp, p);
    byName.set(p.name, kp);
  }

  // Helpers trap into the model; callbacks (bpf_loop, timers) run nested on this CPU.
  const caller: BpfCaller = { callFunction: (addr, args) => m.callFromTrap(addr, [...args]).retval };
  m.installHelperPage((id, args) => callHelper(model.helperContext(caller), id, args));
  m.installThunks();
  m.installSentinel();

  let inside = false;
  const psm = new PokeStateMachine(m, { cpusInsideBpf: () => (inside ? [model.cpu] : []) });
  const bpfFuncOf = (kp: KProgram | null): bigint | null => (kp ? (byKernel.get(kp)?.funcBases[0] ?? null) : null);
  const placed: PlacedPoke[] = [];
  for (const p of programs) {
    for (const d of p.jit.pokes) {
      const map = loaded.maps[d.mapIndex];
      if (!map) continue;
      placed.push({ prog: p.name, desc: d, funcAddr: p.funcBases[d.func]!, mapId: map.id });
    }
  }
  psm.track(placed, (mapId, key) => {
    const map = loaded.maps.find((q) => q?.id === mapId);
    return map instanceof ProgArrayMap ? bpfFuncOf((map as ProgArrayMap<KProgram>).get(key)) : null;
  });
  model.onProgArrayChange((_i, key, oldP, newP, map) => {
    psm.update(map.id, key, bpfFuncOf(oldP), bpfFuncOf(newP));
  });

  const entry = byKernel.get(input.entry);
  if (!entry) return err('debug.no-entry', `program ${input.entry.name} was not JITed`);
  const index = new AddressIndex(programs);

  const target: DebugTarget = {
    arch: 'x86_64',
    profile,
    machine: m,
    model,
    loaded,
    programs,
    entry,
    index,
    pokes: psm,
    kernelProgram: (p) => byName.get(p.name)!,
    prepareRun(runInput: RunInput) {
      const kp = byName.get(entry.name)!;
      const built = buildCtx(model, kp, runInput);
      if (!built.ok) return err('debug.ctx', built.message, { program: entry.name });
      const top = model.stackTop();
      const regs: Record<string, bigint> = {};
      for (const r of X86_GPRS) regs[r] = 0n;
      regs['rdi'] = built.ctx.addr;
      regs['rsp'] = top - 8n;
      regs['rip'] = entry.funcBases[0]!;
      regs['eflags'] = 0x2n;
      m.writeU64(top - 8n, SENTINEL_ADDR);
      m.writeRegs(regs);
      m.selectCpu(model.cpu, gsBase);
      inside = true;
      return ok({ ctxAddr: built.ctx.addr });
    },
    endRun() {
      inside = false;
      psm.noteQuiescent(model.cpu);
    },
    privStackArea(p, func) {
      const b = privBlocks.get(`${p.name}/${func}`);
      if (!b) return null;
      const lo = gsBase + BigInt(b.off);
      return { lo, hi: lo + BigInt(b.size), framePtr: gsBase + b.framePtr };
    },
    dispose() {
      if (!m.closed) m.close();
    },
  };
  return ok(target);
}

