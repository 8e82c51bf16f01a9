// The sync engine (docs/sync-protocol.md): push the outbox oldest first, upload blobs, pull
// changes, on start, on regaining the network, on a timer, after edits and on demand.
// Nothing unsynced is ever deleted: acknowledged operations leave the outbox, refused ones move
// to 'failed' with the server's reason, where the rep can read them.
import { api, ApiError, OfflineError } from './api.js';
import { pendingBlobs, refuseBlob, trimBlobs, uploadBlob } from './blobs.js';
import { count, getMeta, req, setMeta, transact } from './db.js';
import { actionOf, applyOp, by, cache, emit, forget, onWrite, patchSync, sessionEnded, state } from './state.js';

const PUSH_BATCH = 200;
const PULL_PAGE = 1000;
const TIMER_MS = 60000;
const STALE_MS = 24 * 3600 * 1000;
let running = null;

const outboxHead = (limit) => transact(['outbox'], 'readonly', (tx) =>
  req(tx.objectStore('outbox').getAll(IDBKeyRange.bound([state.deviceId, 0], [state.deviceId, Infinity]), limit)));

// A record's displayed fields: the pulled state with its pending operations on top (`known`: none).
async function rebase(tx, rec, known = false) {
  const ops = known ? [] : await req(tx.objectStore('outbox').index('by_record').getAll([rec.collection, rec.id]));
  ops.sort((a, b) => a.seq - b.seq);
  rec.fields = !rec.server ? {} : ops.length ? structuredClone(rec.server.fields) : rec.server.fields;
  rec.deleted = rec.server ? !!rec.server.deleted : false;
  for (const o of ops) applyOp(rec, actionOf(o.op.type), o.op.fields);
  rec.pending = ops.length;
  return rec;
}

async function acknowledge(answer, sent) {
  const done = new Set(answer.results.map((r) => r.seq));
  const bySeq = new Map(answer.results.map((r) => [r.seq, r]));
  const touched = await transact(['outbox', 'records', 'failed'], 'readwrite', async (tx) => {
    const outbox = tx.objectStore('outbox');
    const records = tx.objectStore('records');
    const keys = new Set();
    for (const row of sent) {
      if (!done.has(row.seq) && row.seq > answer.last_seq) continue;
      const result = bySeq.get(row.seq);
      if (result?.status === 'rejected') {
        tx.objectStore('failed').put({ op_id: row.op.op_id, op: row.op, code: result.code, detail: result.detail, at: Date.now() });
      }
      outbox.delete([row.device_id, row.seq]);
      keys.add(`${row.collection}\u0000${row.id}`);
    }
    const recs = [];
    for (const k of keys) {
      const [collection, id] = k.split('\u0000');
      const rec = await req(records.get([collection, id]));
      if (rec) { await rebase(tx, rec); records.put(rec); recs.push(rec); }
    }
    return recs;
  });
  emit(cache(touched).add('sync'));
}

// Ops the server has not applied can be renumbered safely (nothing at or after `fromSeq` was applied).
async function resequence(fromSeq, dropSeq = null, reason = null) {
  await transact(['outbox', 'meta', 'failed'], 'readwrite', async (tx) => {
    const outbox = tx.objectStore('outbox');
    const range = IDBKeyRange.bound([state.deviceId, 0], [state.deviceId, Infinity]);
    const rows = (await req(outbox.getAll(range))).sort((a, b) => a.seq - b.seq);
    let next = fromSeq;
    for (const row of rows) {
      outbox.delete([row.device_id, row.seq]);
      if (row.seq === dropSeq) {
        tx.objectStore('failed').put({ op_id: row.op.op_id, op: row.op, code: reason.code, detail: reason.message, at: Date.now() });
        continue;
      }
      row.seq = next; row.op.seq = next; next += 1;
      outbox.put(row);
    }
    tx.objectStore('meta').put({ key: 'next_seq', value: next });
  });
}

async function pushAll() {
  let total = await count('outbox', IDBKeyRange.bound([state.deviceId, 0], [state.deviceId, Infinity]));
  let sent = 0;
  let repairs = 0;
  patchSync({ phase: 'pushing', done: 0, total });
  for (;;) {
    const rows = await outboxHead(PUSH_BATCH);
    if (!rows.length) break;
    let answer;
    try {
      answer = await api('/api/sync/push', { method: 'POST', body: { protocol: 2, device_id: state.deviceId, ops: rows.map((r) => r.op) } });
    } catch (e) {
      if (!(e instanceof ApiError) || repairs++ > 5) throw e;
      if (e.code === 'sequence_gap' && e.extra.expected_seq < rows[0].seq) {
        await resequence(e.extra.expected_seq);          // the server lost what it had acknowledged (restored backup)
      } else if ([400, 404].includes(e.status) && e.extra.seq) {
        await resequence(rows[0].seq, e.extra.seq, e);   // park the refused op, keep the rest flowing
        total -= 1;
      } else {
        throw e;
      }
      continue;
    }
    await acknowledge(answer, rows);
    sent += rows.length;
    patchSync({ done: sent, total: Math.max(total, sent) });
  }
}

async function uploadAll() {
  const rows = await pendingBlobs();
  const bytes = rows.reduce((n, r) => n + r.size, 0);
  let done = 0;
  patchSync({ phase: 'uploading', done: 0, total: bytes });
  for (const row of rows) {
    try {
      await uploadBlob(row, (offset) => patchSync({ done: done + offset }));
    } catch (e) {
      // Bytes the server will never take must not hold up later syncs; the record says what went wrong.
      if (!(e instanceof ApiError) || ![413, 422].includes(e.status)) throw e;
      await refuseBlob(row.sha256, e.code || String(e.status));
    }
    done += row.size;
  }
}

async function applyPage(page) {
  const recs = await transact(['records', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const records = tx.objectStore('records');
    const out = [];
    for (const change of page.changes) {
      const existing = await req(records.get([change.collection, change.id]));
      if (change.op === 'evict') {
        if (existing && existing.pending) { existing.server = null; out.push(await rebase(tx, existing)); records.put(existing); }
        else if (existing) { records.delete([change.collection, change.id]); out.push({ ...existing, deleted: true, evicted: true }); }
        continue;
      }
      const rec = existing || { collection: change.collection, id: change.id, fields: {}, pending: 0 };
      rec.server = change.op === 'delete' ? { fields: {}, versions: {}, version: change.version, deleted: true }
        : { fields: change.fields, versions: change.versions, version: change.version, deleted: false };
      await rebase(tx, rec, !rec.pending); // a record's pending count is its ops in the outbox
      records.put(rec);
      out.push(rec);
    }
    tx.objectStore('meta').put({ key: 'cursor', value: page.cursor }); // with the changes, atomically
    return out;
  });
  const touched = cache(recs.filter((r) => !r.evicted));
  for (const c of cache(recs.filter((r) => r.evicted), true)) touched.add(c);
  if (touched.size) emit(touched);
}

async function pullAll() {
  let cursor = (await getMeta('cursor')) || 0;
  patchSync({ phase: 'pulling', done: 0, total: 0 });
  for (let pages = 0; pages < 1000; pages++) {
    const page = await api(`/api/sync/pull?cursor=${cursor}&limit=${PULL_PAGE}`);
    if (page.resync) {
      await pushAll(); // our own work first
      await transact(['records', 'outbox', 'meta'], 'readwrite', async (tx) => {
        const records = tx.objectStore('records');
        for (const rec of await req(records.getAll())) {
          if (rec.pending) { rec.server = null; await rebase(tx, rec); records.put(rec); } else records.delete([rec.collection, rec.id]);
        }
        tx.objectStore('meta').put({ key: 'cursor', value: 0 });
      });
      forget();
      emit();
      cursor = 0;
      continue;
    }
    await applyPage(page);
    patchSync({ done: state.sync.done + page.changes.length });
    cursor = page.cursor;
    if (!page.more) return;
  }
}

export async function refreshCounts() {
  if (!state.deviceId) return;
  const range = IDBKeyRange.bound([state.deviceId, 0], [state.deviceId, Infinity]);
  const [pending, head, blobs, failed] = await Promise.all([
    count('outbox', range), outboxHead(1), pendingBlobs(), count('failed')]);
  let storageLow = false;
  try {
    const est = await navigator.storage?.estimate?.();
    storageLow = !!est && est.quota > 0 && est.usage / est.quota > 0.8;
  } catch (_) { /* not supported */ }
  const oldest = Math.min(head[0]?.created_at ?? Infinity, blobs[0]?.created_at ?? Infinity);
  patchSync({ pending, blobs: blobs.length, failed, storageLow, oldest: Number.isFinite(oldest) ? oldest : null,
    stale: Number.isFinite(oldest) && Date.now() - oldest > STALE_MS });
}

export function syncNow() {
  if (!state.me || state.me.user.role === 'admin' || !navigator.onLine) return Promise.resolve(false); // an admin keeps no records
  if (running) return running;
  running = (async () => {
    patchSync({ error: null });
    try {
      await pushAll();
      await uploadAll();
      trim();
      await pullAll();
      const at = new Date().toISOString();
      await setMeta('last_sync', at);
      patchSync({ lastSuccess: at, phase: 'idle' });
      awaitTranscripts();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { sessionEnded(); return false; }
      patchSync({ phase: 'idle', error: e instanceof OfflineError ? 'offline' : (e.message || String(e)) });
      return false;
    } finally {
      running = null;
      await refreshCounts().catch(() => {});
    }
  })();
  return running;
}

// Recordings uploaded a moment ago are being transcribed, claims' receipts read, on the server:
// look again soon, for a while.
let transcriptPolls = 0;
function awaitTranscripts() {
  const waiting = by('recording', 'status', 'queued').some((r) => !r.pending && !r.fields.error)
    || by('claim', 'status', 'reading').some((c) => !c.pending);
  transcriptPolls = waiting ? transcriptPolls + 1 : 0;
  if (waiting && transcriptPolls <= 40) setTimeout(() => syncNow(), 3000);
}

let debounce = null;
onWrite(() => {
  refreshCounts().catch(() => {});
  clearTimeout(debounce);
  debounce = setTimeout(() => syncNow(), 1500);
});

// Photos and recordings the server confirmed leave the phone after `blob_keep_days` (told at sign-in).
const trim = () => trimBlobs(state.me?.config?.blob_keep_days ?? 7).catch(() => {});

export async function startSync() {
  state.deviceId = await getMeta('device_id');
  patchSync({ lastSuccess: (await getMeta('last_sync')) || null });
  await trim();
  await refreshCounts();
  syncNow();
}

window.addEventListener('online', () => syncNow());
setInterval(() => { if (navigator.onLine) syncNow(); }, TIMER_MS);
