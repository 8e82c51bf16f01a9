// Fieldvisit service worker. The server fills in the version (a hash of the shell)
// and the list of shell files, so any change to the shell gets a new cache.
const VERSION = '__SHELL_VERSION__';
const SHELL_FILES = __SHELL_FILES__;
const CACHE_PREFIX = 'fv-shell-';
const CACHE = CACHE_PREFIX + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Bypass the HTTP cache so a new version never precaches stale files.
    await cache.addAll(SHELL_FILES.map((url) => new Request(url, { cache: 'reload' })));
    // The very first worker takes over at once; later ones wait until the page asks.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Data goes through the app's own store and sync, never through this cache.
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/schema')) return;
  if (url.pathname.startsWith('/admin/')) return; // the admin page is online-only, served as it is
  if (request.mode === 'navigate') {
    event.respondWith(caches.match('/', { cacheName: CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then((hit) => hit || fetch(request)));
});
