// pwa/js/visits.js against tests/vectors/step_missing.json and exception_reasons.json
// (the server checks the same vectors: tests/test_vectors.py).
import assert from 'node:assert/strict';
import test from 'node:test';
import { pwa, vectors } from './vectors.mjs';

const { EXCEPTION_REASONS, missing } = await pwa('visits.js');

test('step_missing: the required fields a step still needs', async (t) => {
  for (const c of vectors('step_missing')) {
    await t.test(c.name, () => {
      assert.deepEqual(missing({ fields: c.input.fields }, c.input.answers), c.expected);
    });
  }
});

test('exception_reasons: the reason codes an exception (特批) may give', async (t) => {
  for (const c of vectors('exception_reasons')) {
    await t.test(c.name, () => assert.deepEqual([...EXCEPTION_REASONS], c.expected));
  }
});
