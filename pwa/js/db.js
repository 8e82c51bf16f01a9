// The one module that owns IndexedDB. Each signed-in user has a database of their own
// ("fieldvisit-<user id>"), so a shared phone never mixes people's data and switching users
// deletes nothing. Its version and every upgrade step live here; an upgrade never drops data.
const DB_VERSION = 3;

function upgrade(db, oldVersion, tx) {
  if (oldVersion < 1) {
    db.createObjectStore('meta', { keyPath: 'key' });
    db.createObjectStore('stores', { keyPath: 'id' });
  }
  if (oldVersion < 2) {
    const records = db.createObjectStore('records', { keyPath: ['collection', 'id'] });
    records.createIndex('by_collection', 'collection');
    const outbox = db.createObjectStore('outbox', { keyPath: ['device_id', 'seq'] });
    outbox.createIndex('by_record', ['collection', 'id']);
    db.createObjectStore('failed', { keyPath: 'op_id' });
    db.createObjectStore('blobs', { keyPath: 'sha256' });
    // Version 1 cached stores under 'stores'; carry them over as pulled records, then retire it.
    const old = tx.objectStore('stores');
    old.openCursor().onsuccess = (e) => {
      const cursor = e.target.result;
      if (!cursor) { db.deleteObjectStore('stores'); return; }
      const s = cursor.value;
      records.put({ collection: 'store', id: s.id, fields: s, server: { fields: s, versions: {}, version: 0 }, deleted: false, pending: 0 });
      cursor.continue();
    };
  }
  if (oldVersion < 3) {
    // Blobs by upload state, so the pending ones are found without reading every blob, and the
    // uploaded ones by when the server confirmed them, to be trimmed some days later.
    const blobs = tx.objectStore('blobs');
    blobs.createIndex('by_state', ['state', 'created_at']);
    blobs.createIndex('by_uploaded', 'uploaded_at');
    blobs.openCursor().onsuccess = (e) => {
      const cursor = e.target.result;
      if (!cursor) return;
      const b = cursor.value;
      b.state = b.refused ? 'refused' : b.uploaded ? 'uploaded' : 'pending';
      cursor.update(b);
      cursor.continue();
    };
  }
}

let userId = null;
let opening = null;

export function useUser(id) {
  if (id === userId) return;
  if (opening) opening.then((db) => db.close()).catch(() => {});
  userId = id; opening = null;
}

export function openDB() {
  if (!userId) return Promise.reject(new Error('no user signed in'));
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(`fieldvisit-${userId}`, DB_VERSION);
      req.onupgradeneeded = (e) => upgrade(req.result, e.oldVersion, req.transaction);
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      req.onerror = () => { opening = null; reject(req.error); };
      req.onblocked = () => console.warn('IndexedDB upgrade blocked by another tab');
    });
  }
  return opening;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new DOMException('Transaction aborted', 'AbortError'));
  });
}

// A request as a promise; safe to await inside `transact` (it settles within the transaction).
export function req(request) {
  return new Promise((resolve, reject) => { request.onsuccess = () => resolve(request.result); request.onerror = () => reject(request.error); });
}

// Run `fn(tx)` in one transaction over `names`; resolves with fn's value once committed.
// Inside fn, await only IndexedDB requests (via `req`), or the transaction closes early.
export async function transact(names, mode, fn) {
  const db = await openDB();
  const tx = db.transaction(names, mode);
  const committed = done(tx);
  let value;
  try {
    value = await fn(tx);
  } catch (e) {
    try { tx.abort(); } catch (_) { /* already finished */ }
    await committed.catch(() => {});
    throw e;
  }
  await committed;
  return value;
}

export const get = (store, key) => transact([store], 'readonly', (tx) => req(tx.objectStore(store).get(key)));
export const getAll = (store, query) => transact([store], 'readonly', (tx) => req(tx.objectStore(store).getAll(query)));
export const count = (store, query) => transact([store], 'readonly', (tx) => req(tx.objectStore(store).count(query)));
export const put = (store, value) => transact([store], 'readwrite', (tx) => { tx.objectStore(store).put(value); });

export async function getMeta(key) { const row = await get('meta', key); return row ? row.value : undefined; }
export const setMeta = (key, value) => put('meta', { key, value });
