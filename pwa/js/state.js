// The app's one store of state: who is signed in, their records (pulled states with their own
// pending edits on top), and the sync status. Every local edit is written to IndexedDB together
// with its outbox operation in one transaction before the UI calls it saved.
import { api, setDeviceId } from './api.js';
import { getAll, getMeta, req, setMeta, transact, useUser } from './db.js';
import { uuid7 } from './ids.js';

const listeners = new Set();
export const state = {
  me: null, records: new Map(), online: navigator.onLine,
  sync: { phase: 'idle', done: 0, total: 0, pending: 0, blobs: 0, failed: 0, lastSuccess: null, error: null, oldest: null, storageLow: false },
};

export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function emit() { for (const fn of listeners) fn(state); }
export function patch(values) { Object.assign(state, values); emit(); }
export function patchSync(values) { Object.assign(state.sync, values); emit(); }

window.addEventListener('online', () => patch({ online: true }));
window.addEventListener('offline', () => patch({ online: false }));

const key = (collection, id) => `${collection}/${id}`;
export const record = (collection, id) => state.records.get(key(collection, id));
export function list(collection) {
  const out = [];
  for (const r of state.records.values()) if (r.collection === collection && !r.deleted) out.push(r);
  return out;
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

export function cache(records) {
  for (const r of records) state.records.set(key(r.collection, r.id), r);
}

async function deviceIdFor() {
  let id = await getMeta('device_id');
  if (!id) { id = `pwa-${uuid7()}`; await setMeta('device_id', id); }
  return id;
}

export async function loadLocal() {
  let me = null;
  try { me = JSON.parse(localStorage.getItem('fv.me') || 'null'); } catch (_) { me = null; }
  // Everything is read first and published at once, so no screen ever sees half a user.
  let records = [];
  if (me) {
    useUser(me.user.id);
    state.deviceId = await deviceIdFor();
    setDeviceId(state.deviceId);
    records = await getAll('records');
  }
  state.me = me;
  state.records = new Map();
  cache(records);
  emit();
}

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
  patch({ me: null, records: new Map() });
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
export const confirmedDay = (day) => list('day').find((r) => r.fields.day === day) || null;

// Asks the rep why a confirmed day changes (set by the app: a dialog); resolves to the text or null.
let askReason = async () => null;
export function onReasonNeeded(fn) { askReason = fn; }

// Record an intent (e.g. `note.edit`): the record and its outbox operation in one transaction.
// A change to a day already confirmed carries the rep's reason (asked here), or is not made.
export async function write(type, id, fields = {}, { base, resolves, reason } = {}) {
  const deviceId = await deviceIdFor();
  const collection = type.split('.')[0];
  const action = actionOf(type);
  const day = dayOf(collection, id, fields);
  if (!reason && day && confirmedDay(day)) {
    reason = await askReason(day);
    if (!reason) return null;
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
    applyOp(current, action, fields);
    current.pending = (current.pending || 0) + 1;
    records.put(current);
    return current;
  });
  cache([rec]);
  state.sync.pending += 1;
  emit();
  afterWrite();
  return rec;
}

// Forget the version-1 cache (it never held edits).
try { indexedDB.deleteDatabase('fieldvisit'); } catch (_) { /* not there */ }
