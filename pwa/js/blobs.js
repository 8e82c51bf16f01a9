// Photos and recordings: kept on the phone by SHA-256 until the server confirms the same hash,
// then uploaded in chunks that resume where the last one ended.
import { api } from './api.js';
import { get, getAll, put, req, transact } from './db.js';

const CHUNK = 256 * 1024;

export async function sha256(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Keep a blob on the phone; returns its name. Nothing is uploaded here.
export async function keepBlob(blob) {
  const hash = await sha256(blob);
  await put('blobs', { sha256: hash, blob, type: blob.type || 'application/octet-stream', size: blob.size,
    created_at: Date.now(), uploaded: false });
  return hash;
}

export async function pendingBlobs() {
  return (await getAll('blobs')).filter((b) => !b.uploaded && !b.refused);
}

async function mark(hash, values) {
  await transact(['blobs'], 'readwrite', async (tx) => {
    const os = tx.objectStore('blobs');
    const row = await req(os.get(hash));
    if (row) os.put(Object.assign(row, values));
  });
}

const markUploaded = (hash) => mark(hash, { uploaded: true, uploaded_at: Date.now() });
// The server refused these bytes for good (the same hash is the same bytes): stop offering them.
export const refuseBlob = (hash, code) => mark(hash, { refused: code });

// Upload one blob, resuming from what the server already has; reports bytes sent.
export async function uploadBlob(row, onProgress = () => {}) {
  const status = await api(`/api/blobs/${row.sha256}/status`);
  if (status.state === 'refused') { await refuseBlob(row.sha256, status.code); return; }
  let offset = status.state === 'complete' ? row.size : status.received;
  while (offset < row.size) {
    const chunk = row.blob.slice(offset, Math.min(offset + CHUNK, row.size));
    const answer = await api(`/api/blobs/${row.sha256}?offset=${offset}&total=${row.size}`, {
      method: 'PUT', raw: chunk, headers: { 'Content-Type': 'application/octet-stream', 'X-Blob-Type': row.type } });
    offset = answer.received;
    onProgress(offset);
  }
  await markUploaded(row.sha256); // the server has verified the hash; the phone's copy may now be trimmed
}

// Show the photos still on the phone (img[data-photo] named by hash) from IndexedDB.
export async function showPhotos(root) {
  for (const img of root.querySelectorAll('img[data-photo]')) {
    const row = await get('blobs', img.dataset.photo).catch(() => null);
    if (row && img.isConnected) {
      img.onload = () => URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(row.blob);
    }
  }
}
