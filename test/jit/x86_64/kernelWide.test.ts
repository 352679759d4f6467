// Acceptance over ../shared/testdata/kernel-wide (issue 13): every object opens with
// `bpfdbg list`, and `dump --jited` under the corpus host's profile ('kernel-wide') is
// byte-identical to the real Linux 6.18.44 JIT modulo addresses. The floors below are the
// figures reached so far (docs/fidelity.md): a change may raise them, never fall below.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findProfile } from '../../../src/jit/profiles.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../../object/testdata.ts';
import { identicalCount, measureCorpus, type CorpusResult } from '../../support/kernelWide.ts';

/** Objects `bpfdbg list` still refuses (target 0). */
const MAX_LIST_FAILURES = 0;
/** Functions byte-identical modulo addresses (of 835; target 100%). */
const MIN_IDENTICAL = 825;

describe('kernel-wide corpus against the real 6.18.44 JIT', { skip: skipUnless(haveKernelWide, '../shared/testdata/kernel-wide') }, () => {
  let r: CorpusResult;
  const result = (): CorpusResult => (r ??= measureCorpus(kernelWideDir, findProfile('kernel-wide')!));

  it(`every object opens with bpfdbg list (at most ${MAX_LIST_FAILURES} still refused)`, () => {
    const fails = result().listFailures;
    if (fails.length) console.log(`list refuses ${fails.length} objects:\n${fails.map((f) => `  ${f.obj}: ${f.message}`).join('\n')}`);
    assert.ok(fails.length <= MAX_LIST_FAILURES, `${fails.length} objects fail to open (floor ${MAX_LIST_FAILURES})`);
  });

  it(`dump --jited matches the kernel's bytes modulo addresses (at least ${MIN_IDENTICAL} functions)`, () => {
    const res = result();
    const same = identicalCount(res);
    console.log(`functions identical: ${same} of ${res.outcomes.length}`);
    assert.ok(same >= MIN_IDENTICAL, `${same} identical functions, below the floor of ${MIN_IDENTICAL}`);
  });
});
