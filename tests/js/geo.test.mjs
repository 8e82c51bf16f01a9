// pwa/js/geo.js distanceM against tests/vectors/distance_m.json (the server's geofence distance).
import assert from 'node:assert/strict';
import test from 'node:test';
import { pwa, vectors } from './vectors.mjs';

const { distanceM } = await pwa('geo.js');
const TOLERANCE_M = 0.001; // the same in tests/test_vectors.py

test('distance_m: great-circle metres between two fixes', async (t) => {
  for (const c of vectors('distance_m')) {
    await t.test(c.name, () => {
      const d = distanceM(c.input.a, c.input.b);
      assert.ok(Math.abs(d - c.expected) <= TOLERANCE_M, `${d} m, expected ${c.expected} m`);
      assert.ok(Math.abs(distanceM(c.input.b, c.input.a) - d) <= TOLERANCE_M, 'the same both ways');
    });
  }
});
