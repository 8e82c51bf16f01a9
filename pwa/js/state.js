// The app's one store of state: who is signed in and their stores, loaded from IndexedDB
// first (so the app starts offline) and refreshed from the server when online.
import { api, ApiError } from './api.js';
import { getAll, getMeta, replaceAll, setMeta, transact } from './db.js';

const listeners = new Set();
export const state = { me: null, stores: [], storesUpdatedAt: null, online: navigator.onLine, refreshing: false };

export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function emit() { for (const fn of listeners) fn(state); }
export function patch(values) { Object.assign(state, values); emit(); }

window.addEventListener('online', () => { patch({ online: true }); refreshStores().catch(() => {}); });
window.addEventListener('offline', () => patch({ online: false }));

export async function loadLocal() {
  const [me, stores, storesUpdatedAt] = await Promise.all([getMeta('me'), getAll('stores'), getMeta('stores_updated_at')]);
  state.me = me || null; state.stores = stores || []; state.storesUpdatedAt = storesUpdatedAt || null;
  emit();
}

export async function signIn(username, password) {
  const me = await api('/api/auth/login', { method: 'POST', body: { username, password } });
  const previous = await getMeta('me');
  if (previous && previous.user.id !== me.user.id) await replaceAll('stores', []); // another person's stores
  await setMeta('me', me);
  patch({ me, stores: previous && previous.user.id !== me.user.id ? [] : state.stores });
  await refreshStores();
  return me;
}

export async function signOut() {
  try { await api('/api/auth/logout', { method: 'POST' }); } catch (e) { /* offline: forget locally anyway */ }
  await transact(['meta', 'stores'], 'readwrite', (tx) => { tx.objectStore('meta').delete('me'); tx.objectStore('stores').clear(); });
  patch({ me: null, stores: [], storesUpdatedAt: null });
}

const PAGE = 1000;
export async function refreshStores() {
  if (!state.me || state.refreshing) return;
  patch({ refreshing: true });
  try {
    const all = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await api(`/api/stores?limit=${PAGE}&offset=${offset}`);
      all.push(...page.items);
      if (all.length >= page.total || page.items.length === 0) break;
    }
    const at = new Date().toISOString();
    await transact(['meta', 'stores'], 'readwrite', (tx) => {
      const os = tx.objectStore('stores');
      os.clear();
      for (const s of all) os.put(s);
      tx.objectStore('meta').put({ key: 'stores_updated_at', value: at });
    });
    patch({ stores: all, storesUpdatedAt: at });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      await setMeta('me', null);
      patch({ me: null, sessionEnded: true });
    }
    throw e;
  } finally {
    patch({ refreshing: false });
  }
}
