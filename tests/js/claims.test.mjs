// pwa/js/claims.js parseMoney against tests/vectors/money_cents.json (the server's
// server/claims/service.py cents, applied to the same receipt totals).
import assert from 'node:assert/strict';
import test from 'node:test';
import { pwa, vectors } from './vectors.mjs';

const { parseMoney } = await pwa('claims.js');

test('money_cents: an amount of yuan in fen', async (t) => {
  for (const c of vectors('money_cents')) {
    await t.test(c.name, () => assert.equal(parseMoney(c.input), c.expected));
  }
});
