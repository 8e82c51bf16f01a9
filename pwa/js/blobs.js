// Photos and recordings: kept on the phone by SHA-256 until the server confirms the same hash,
// then uploaded in chunks that resume where the last one ended. A blob's `state` is 'pending',
// 'uploaded' (the server verified it; trimmed some days later) or 'refused' (never trimmed).
import { api, ApiError } from './api.js';
import { get, put, req, transact } from './db.js';
import { t } from './i18n.js';

const CHUNK = 512 * 1024; // most photos (1600 px JPEGs) in one request; a dropped one resends at most this

export async function sha256(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Keep a blob on the phone; returns its name. Nothing is uploaded here.
export async function keepBlob(blob) {
  const hash = await sha256(blob);
  await put('blobs', { sha256: hash, blob, type: blob.type || 'application/octet-stream', size: blob.size,
    created_at: Date.now(), state: 'pending' });
  return hash;
}

// The blobs still to upload, oldest first, found by index (no other blob is read).
export const pendingBlobs = () => transact(['blobs'], 'readonly', (tx) =>
  req(tx.objectStore('blobs').index('by_state').getAll(IDBKeyRange.bound(['pending', 0], ['pending', Infinity]))));

// Delete blobs the server confirmed more than `days` ago; nothing unsynced is touched.
export const trimBlobs = (days) => transact(['blobs'], 'readwrite', async (tx) => {
  const os = tx.objectStore('blobs');
  for (const b of await req(os.index('by_uploaded').getAll(IDBKeyRange.upperBound(Date.now() - days * 864e5)))) {
    if (b.state === 'uploaded') os.delete(b.sha256);
  }
});

async function mark(hash, values) {
  await transact(['blobs'], 'readwrite', async (tx) => {
    const os = tx.objectStore('blobs');
    const row = await req(os.get(hash));
    if (row) os.put(Object.assign(row, values));
  });
}

const markUploaded = (hash) => mark(hash, { uploaded_at: Date.now(), state: 'uploaded' });
// The server refused these bytes for good (the same hash is the same bytes): stop offering them.
export const refuseBlob = (hash, code) => mark(hash, { refused: code, state: 'refused' });

// Upload one blob, resuming from what the server already has; reports bytes sent. A first attempt
// goes straight to its first chunk (one round trip for most photos); a later one asks the server
// where the bytes stand, and a chunk the server did not expect is answered with where to go on.
// The phone's copy counts as uploaded only once the server answers `complete` (it verified the
// hash): a server that holds every byte but stopped before completing is sent an empty last chunk.
export async function uploadBlob(row, onProgress = () => {}) {
  let offset = 0;
  if (row.tried) {
    const status = await api(`/api/blobs/${row.sha256}/status`);
    if (status.state === 'refused') { await refuseBlob(row.sha256, status.code); return; }
    if (status.state === 'complete') { await markUploaded(row.sha256); return; }
    offset = Math.min(status.received, row.size);
  } else {
    await mark(row.sha256, { tried: true });
  }
  for (;;) {
    const chunk = row.blob.slice(offset, Math.min(offset + CHUNK, row.size));
    let answer;
    try {
      answer = await api(`/api/blobs/${row.sha256}?offset=${offset}&total=${row.size}`, {
        method: 'PUT', raw: chunk, timeout: chunkTimeout(chunk.size),
        headers: { 'Content-Type': 'application/octet-stream', 'X-Blob-Type': row.type } });
    } catch (e) {
      const received = e instanceof ApiError && e.status === 409 ? e.extra.received : undefined;
      if (!Number.isInteger(received) || received === offset || received < 0 || received > row.size) throw e;
      offset = received; // the server holds a part from an earlier try: go on from its end
      continue;
    }
    if (answer.state === 'complete') break;
    if (!(answer.received > offset)) throw new ApiError(500, { detail: 'the upload did not move on' });
    offset = answer.received;
    onProgress(offset);
  }
  onProgress(row.size);
  await markUploaded(row.sha256); // the server has verified the hash; the phone's copy may now be trimmed
}

// A chunk may take as long as a slow 2G uplink needs (about 8 KB/s), and never less than 30 s.
const chunkTimeout = (bytes) => 30000 + Math.ceil(bytes / 8);

// Show photos (img[data-photo] named by hash) from IndexedDB; one trimmed from the phone comes
// from the server, or shows as a placeholder while offline.
export async function showPhotos(root) {
  for (const img of root.querySelectorAll('img[data-photo]')) {
    const row = await get('blobs', img.dataset.photo).catch(() => null);
    if (!img.isConnected) continue;
    if (row) {
      img.onload = () => URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(row.blob);
      continue;
    }
    const gone = () => { img.classList.add('gone'); img.alt = t('photoOnServer'); };
    if (!navigator.onLine) { gone(); continue; }
    img.onerror = gone;
    img.src = `/api/blobs/${encodeURIComponent(img.dataset.photo)}`;
  }
}
