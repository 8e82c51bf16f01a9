// pwa/js/ids.js uuid7 against tests/vectors/uuid7.json: with the clock and the random source
// fixed, the phone's id is exactly the one the vector (and sync/ids.py) says, and sync's pattern
// accepts it. The random source is 16 bytes here: the 12 bits of rand_a go to bytes 6–7 and the
// 62 of rand_b to bytes 8–15; the bits the layout overwrites are set to 1 to show they are.
import assert from 'node:assert/strict';
import test from 'node:test';
import { pwa, vectors } from './vectors.mjs';

const { uuid7 } = await pwa('ids.js');
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/; // sync.ids.UUID7_PATTERN

function randomBytes(randA, randB) {
  const bytes = new Uint8Array(16).fill(0xff);
  const a = parseInt(randA, 16);
  bytes[6] = 0xf0 | (a >> 8); bytes[7] = a & 0xff;
  const b = BigInt(`0x${randB}`);
  for (let i = 15; i >= 8; i--) bytes[i] = Number((b >> BigInt((15 - i) * 8)) & 0xffn);
  bytes[8] |= 0xc0;
  return bytes;
}

test('uuid7: the layout of an id made on the phone', async (t) => {
  for (const c of vectors('uuid7')) {
    await t.test(c.name, (s) => {
      s.mock.method(Date, 'now', () => c.input.now_ms);
      s.mock.method(crypto, 'getRandomValues', (arr) => { arr.set(randomBytes(c.input.rand_a, c.input.rand_b)); return arr; });
      const id = uuid7();
      assert.equal(id, c.expected);
      assert.match(id, UUID7);
    });
  }
});

test('uuid7: unmocked ids are well formed and distinct', () => {
  const ids = new Set(Array.from({ length: 100 }, () => uuid7()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, UUID7);
});
