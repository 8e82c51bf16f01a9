// The one module that owns IndexedDB: its name, its version and every upgrade step live here.
// Every call resolves when its transaction completes, so "saved" means durably saved.
const DB_NAME = 'fieldvisit';
const DB_VERSION = 1;

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore('meta', { keyPath: 'key' });
    db.createObjectStore('stores', { keyPath: 'id' });
  }
  // Later versions add stores here with `if (oldVersion < N)`; an upgrade never clears data.
}

let opening = null;
export function openDB() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = (e) => upgrade(req.result, e.oldVersion);
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

function result(req) {
  return new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
}

// Run `fn(tx)` in one transaction over `names`; resolves with fn's value once committed.
export async function transact(names, mode, fn) {
  const db = await openDB();
  const tx = db.transaction(names, mode);
  const value = await fn(tx);
  await done(tx);
  return value;
}

export const get = (store, key) => transact([store], 'readonly', (tx) => result(tx.objectStore(store).get(key)));
export const getAll = (store) => transact([store], 'readonly', (tx) => result(tx.objectStore(store).getAll()));
export const put = (store, value) => transact([store], 'readwrite', (tx) => { tx.objectStore(store).put(value); });
export const del = (store, key) => transact([store], 'readwrite', (tx) => { tx.objectStore(store).delete(key); });

// Replace a whole collection atomically: readers see the old set or the new one, never half.
export const replaceAll = (store, values) => transact([store], 'readwrite', (tx) => {
  const os = tx.objectStore(store);
  os.clear();
  for (const v of values) os.put(v);
});

export async function getMeta(key) { const row = await get('meta', key); return row ? row.value : undefined; }
export const setMeta = (key, value) => put('meta', { key, value });
export const clearStore = (store) => transact([store], 'readwrite', (tx) => { tx.objectStore(store).clear(); });
