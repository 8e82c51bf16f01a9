// pwa/js/route.js plannedOn against tests/vectors/planned_on.json, in time zones with and without
// daylight saving on both hemispheres (the phone's own zone must not change the answer).
import assert from 'node:assert/strict';
import test from 'node:test';
import { pwa, vectors } from './vectors.mjs';

const { plannedOn } = await pwa('route.js');
const ZONES = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/St_Johns',
  'Pacific/Kiritimati', 'Pacific/Pago_Pago'];

test('planned_on: whether a store is on the route of a day', async (t) => {
  const before = process.env.TZ;
  try {
    for (const zone of ZONES) {
      process.env.TZ = zone; // Node applies a TZ change at once
      await t.test(zone, async (z) => {
        for (const c of vectors('planned_on')) {
          const { day, ...store } = c.input;
          await z.test(c.name, () => assert.equal(plannedOn(store, day), c.expected));
        }
      });
    }
  } finally {
    if (before === undefined) delete process.env.TZ; else process.env.TZ = before;
  }
});
