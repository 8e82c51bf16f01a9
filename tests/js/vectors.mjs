// Shared by the vector tests: reads tests/vectors/<rule>.json, and imports PWA modules after
// giving Node the few browser globals some of them touch when they load (state.js listens to
// window's online/offline events, i18n.js reads the saved language, ids.js the Web Crypto global). Nothing here stands in for
// the logic under test: a rule that needed more than these stubs belongs in a pure module.
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

const noop = () => {};
globalThis.window ??= { addEventListener: noop, removeEventListener: noop, dispatchEvent: noop };
if (!('navigator' in globalThis)) globalThis.navigator = { onLine: true, languages: ['en'], language: 'en' };
globalThis.localStorage ??= { getItem: () => null, setItem: noop, removeItem: noop };
globalThis.document ??= { documentElement: {} };
if (!('crypto' in globalThis)) globalThis.crypto = webcrypto; // Node 18 (Debian 12) has no global Web Crypto

export function vectors(rule) {
  return JSON.parse(readFileSync(new URL(`tests/vectors/${rule}.json`, root), 'utf8'));
}

export function pwa(path) {
  return import(new URL(`pwa/js/${path}`, root).href);
}
