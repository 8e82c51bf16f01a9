// The app's one store of state: who is signed in, their records (pulled states with their own
// pending edits on top), and the sync status. Every local edit is written to IndexedDB together
// with its outbox operation in one transaction before the UI calls it saved.
import { api, setDeviceId } from './api.js';
import { getMeta, req, setMeta, transact, useUser } from './db.js';
import { uuid7 } from './ids.js';

// Records by collection (collection → id → record); `by` finds them by a field's value through an
// index made on first use. An emit names what changed (collections, 'sync', 'online', 'me'; none:
// all) and reaches only the subscribers to it: a screen re-renders for its own data.
const listeners = new Set();
export const state = {
  me: null, records: new Map(), online: navigator.onLine,
  sync: { phase: 'idle', done: 0, total: 0, pending: 0, blobs: 0, failed: 0, lastSuccess: null, error: null, oldest: null, storageLow: false },
};
const lists = new Map(); // collection → records not deleted
const indexes = new Map(); // collection → field → value → id → record

export function subscribe(fn, topics) {
  const l = { fn, topics };
  listeners.add(l);
  return () => listeners.delete(l);
}
export function emit(changed) {
  for (const l of [...listeners]) if (!changed || !l.topics || l.topics.some((c) => changed.has(c))) l.fn(changed);
}
export function patch(values) { Object.assign(state, values); emit(new Set(Object.keys(values))); }

// Progress alone (done/total) is told at most every 250 ms, the last always.
let timer = null, told = 0;
export function patchSync(values) {
  Object.assign(state.sync, values);
  const wait = 250 - (Date.now() - told);
  if (wait > 0 && Object.keys(values).every((k) => k === 'done' || k === 'total')) timer ||= setTimeout(tell, wait);
  else tell();
}
function tell() { clearTimeout(timer); timer = null; told = Date.now(); emit(new Set(['sync'])); }

window.addEventListener('online', () => patch({ online: true }));
window.addEventListener('offline', () => patch({ online: false }));

const col = (c) => state.records.get(c) || new Map();
export const record = (c, id) => col(c).get(id);
export function list(c) {
  if (!lists.has(c)) lists.set(c, [...col(c).values()].filter((r) => !r.deleted));
  return lists.get(c);
}
export function by(c, field, value) {
  let fields = indexes.get(c);
  if (!fields) indexes.set(c, fields = new Map());
  let index = fields.get(field);
  if (!index) {
    fields.set(field, index = new Map());
    for (const r of col(c).values()) add(index, field, r);
  }
  return [...(index.get(value)?.values() || [])];
}
function add(index, field, r) {
  if (r.deleted) return;
  const v = r.fields?.[field];
  if (!index.has(v)) index.set(v, new Map());
  index.get(v).set(r.id, r);
}

// Apply an operation to a record's fields the way the server will (for display until the next pull).
export function applyOp(rec, action, fields) {
  if (action === 'create') {
    rec.fields = {};
    for (const [k, v] of Object.entries(fields)) rec.fields[k] = v && typeof v === 'object' && !Array.isArray(v) && 'add' in v ? v.add : v;
    rec.deleted = false;
    return rec;
  }
  if (action === 'delete') { rec.deleted = true; return rec; }
  for (const [k, v] of Object.entries(fields)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && ('add' in v || 'remove' in v)) {
      if (typeof v.add === 'number') { rec.fields[k] = (rec.fields[k] || 0) + v.add; continue; }
      const current = (rec.fields[k] || []).filter((x) => !(v.remove || []).includes(x));
      for (const a of v.add || []) if (!current.includes(a)) current.push(a);
      rec.fields[k] = current;
    } else {
      rec.fields[k] = v;
    }
  }
  return rec;
}

// Put records into the state (or `drop` them); returns the collections touched.
export function cache(records, drop = false) {
  const touched = new Set();
  for (const r of records) {
    if (!state.records.has(r.collection)) state.records.set(r.collection, new Map());
    const c = state.records.get(r.collection), before = c.get(r.id);
    for (const [field, index] of indexes.get(r.collection) || []) {
      if (before) index.get(before.fields?.[field])?.delete(r.id);
      if (!drop) add(index, field, r);
    }
    if (drop) { c.delete(r.id); dropped?.add(`${r.collection}/${r.id}`); } else c.set(r.id, r);
    lists.delete(r.collection);
    touched.add(r.collection);
  }
  return touched;
}

export function forget() { state.records = new Map(); lists.clear(); indexes.clear(); loading++; dropped = null; }

// History is read in parts, newest first: two days before the first screen, then two at a time
// when idle (UUIDv7 ids: an id range is a time range). Newer writes meanwhile stay.
const HISTORY = ['note', 'step', 'visit']; // in key order
const PART = 2 * 864e5, PARTS = 200;
let loading = 0, dropped = null;
const idAt = (ms) => { const h = Math.floor(ms).toString(16).padStart(12, '0'); return `${h.slice(0, 8)}-${h.slice(8)}`; };
const readAll = (ranges) => transact(['records'], 'readonly', (tx) =>
  Promise.all(ranges.map((r) => req(tx.objectStore('records').getAll(r))))).then((parts) => parts.flat());

async function readHistory(run, from) {
  let touched = new Set(), told = 0;
  for (let w = 1; w <= PARTS; w++) {
    const lo = w < PARTS ? idAt(from - w * PART) : '', hi = idAt(from - (w - 1) * PART);
    const found = await readAll(HISTORY.map((c) => IDBKeyRange.bound([c, lo], [c, hi], false, true)));
    if (run !== loading) return;
    for (const c of cache(found.filter((r) => !record(r.collection, r.id) && !dropped.has(`${r.collection}/${r.id}`)))) touched.add(c);
    if (touched.size && (w === PARTS || Date.now() - told > 300)) { emit(touched); touched = new Set(); told = Date.now(); }
    await new Promise((r) => (window.requestIdleCallback || setTimeout)(r, { timeout: 500 }));
  }
  dropped = null;
  performance.mark('fv:history-read');
}

async function deviceIdFor() {
  let id = await getMeta('device_id');
  if (!id) { id = `pwa-${uuid7()}`; await setMeta('device_id', id); }
  return id;
}

export async function loadLocal() {
  let me = null;
  try { me = JSON.parse(localStorage.getItem('fv.me') || 'null'); } catch (_) { me = null; }
  // All but older history is published at once: no screen sees half a user.
  let records = [];
  const from = Date.now() - PART;
  if (me) {
    useUser(me.user.id);
    const [a, b, c] = HISTORY;
    [state.deviceId, records] = await Promise.all([deviceIdFor(), readAll([IDBKeyRange.upperBound([a], true),
      IDBKeyRange.bound([a, []], [b], true, true), IDBKeyRange.bound([b, []], [c], true, true), IDBKeyRange.lowerBound([c, []], true),
      ...HISTORY.map((h) => IDBKeyRange.bound([h, idAt(from)], [h, []]))])]);
    setDeviceId(state.deviceId);
  }
  state.me = me;
  forget();
  cache(records);
  emit();
  if (me) { dropped = new Set(); readHistory(loading, from).catch(() => {}); }
}

// Where each role starts (what the address bar says on its first screen).
export const HOMES = { finance: '/finance', supervisor: '/team', admin: '/admin', rep: '/route' };

export async function signIn(username, password) {
  const me = await api('/api/auth/login', { method: 'POST', body: { username, password } });
  localStorage.setItem('fv.me', JSON.stringify(me));
  state.sessionEnded = false;
  await loadLocal();
  return me;
}

// Signing out keeps this user's database: unsynced work stays on the phone for their next sign-in.
export async function signOut() {
  try { await api('/api/auth/logout', { method: 'POST' }); } catch (_) { /* offline: forget the session locally */ }
  localStorage.removeItem('fv.me');
  useUser(null);
  forget();
  patch({ me: null });
}

export function sessionEnded() {
  localStorage.removeItem('fv.me');
  patch({ me: null, sessionEnded: true });
}

let afterWrite = () => {};
export function onWrite(fn) { afterWrite = fn; }

// An intent's effect on the record: `note.create` creates, `note.delete` deletes, the rest update.
export function actionOf(type) {
  const verb = type.split('.')[1];
  return verb === 'create' || verb === 'delete' ? verb : 'update';
}

// The day a visit or step edit belongs to, and whether the rep has confirmed that day.
export function dayOf(collection, id, fields) {
  if (collection === 'visit') return fields.day || record('visit', id)?.fields.day || null;
  if (collection === 'step') return record('visit', fields.visit_id || record('step', id)?.fields.visit_id)?.fields.day || null;
  return null;
}
export const confirmedDay = (day) => by('day', 'day', day)[0] || null;

// Asks the rep why a confirmed day changes (set by the app: a dialog); resolves to the text or null.
// Asked once per visit: its later operations (each still carrying it) reuse the answer.
let askReason = async () => null;
export function onReasonNeeded(fn) { askReason = fn; }
const reasons = new Map(); // visit id → the rep's answer (a promise while asked)
const visitOf = (collection, id, fields) => (collection === 'visit' ? id
  : collection === 'step' ? fields.visit_id || record('step', id)?.fields.visit_id : null);

// Record an intent (e.g. `note.edit`): the record and its outbox operation in one transaction.
// A change to a day already confirmed carries the rep's reason (asked here), or is not made.
export async function write(type, id, fields = {}, { base, resolves, reason } = {}) {
  const deviceId = state.deviceId || await deviceIdFor();
  const collection = type.split('.')[0];
  const action = actionOf(type);
  const day = dayOf(collection, id, fields);
  if (!reason && day && confirmedDay(day)) {
    const visit = visitOf(collection, id, fields);
    let asked = visit && reasons.get(visit);
    if (!asked) { asked = askReason(day); if (visit) reasons.set(visit, asked); }
    reason = await asked;
    if (!reason) { reasons.delete(visit); return null; }
  }
  const op = { op_id: uuid7(), seq: 0, type, id, fields, client_time: new Date().toISOString() };
  if (base) op.base = base;
  if (resolves?.length) op.resolves = resolves;
  if (reason) op.reason = reason;
  const rec = await transact(['meta', 'outbox', 'records'], 'readwrite', async (tx) => {
    const meta = tx.objectStore('meta');
    const next = (await req(meta.get('next_seq')))?.value || 1;
    op.seq = next;
    meta.put({ key: 'next_seq', value: next + 1 });
    tx.objectStore('outbox').put({ device_id: deviceId, seq: next, collection, id, op, created_at: Date.now() });
    const records = tx.objectStore('records');
    const current = (await req(records.get([collection, id]))) || { collection, id, fields: {}, server: null, deleted: false, pending: 0 };
    if (current.fields === current.server?.fields) current.fields = structuredClone(current.fields); // stored once, when nothing was pending
    applyOp(current, action, fields);
    current.pending = (current.pending || 0) + 1;
    records.put(current);
    return current;
  });
  cache([rec]);
  state.sync.pending += 1;
  emit(new Set([collection, 'sync']));
  afterWrite();
  return rec;
}

// Forget the version-1 cache (it never held edits).
try { indexedDB.deleteDatabase('fieldvisit'); } catch (_) { /* not there */ }
