// pwa/js/state.js applyOp against tests/vectors/apply_op.json (sync/merge.py create/update/delete):
// what the phone shows after its own edit until the next pull is what the server will hold.
import assert from 'node:assert/strict';
import test from 'node:test';
import { pwa, vectors } from './vectors.mjs';

const { applyOp } = await pwa('state.js');

test('apply_op: an operation applied to a record\'s fields', async (t) => {
  for (const c of vectors('apply_op')) {
    await t.test(c.name, () => {
      const rec = { collection: 'c', id: 'r1', fields: structuredClone(c.input.before ?? {}), deleted: false };
      applyOp(rec, c.input.action, structuredClone(c.input.op));
      assert.deepEqual({ fields: rec.fields, deleted: rec.deleted }, c.expected);
    });
  }
});
