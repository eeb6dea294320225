// Linli's service worker. scripts/postbuild.mjs fills in VERSION and PRECACHE from the build
// it belongs to, so one worker always serves one build's files: an old JS file is never
// paired with a new wasm file.
const VERSION = '__LINLI_VERSION__';
const PRECACHE = __LINLI_PRECACHE__;
const CACHE = `linli-${VERSION}`;

self.addEventListener('install', (event) => {
  // No skipWaiting here: a new version waits until the person taps "update".
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('linli-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  if (event.data === 'version' && event.source) event.source.postMessage({ version: VERSION });
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  // Sync, the API and anything from elsewhere always go to the network, never a cache.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // Every route of the app is the same shell: this build's index.html.
    event.respondWith(caches.open(CACHE).then((c) => c.match('/index.html')).then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith(caches.open(CACHE).then((c) => c.match(req)).then((hit) => hit || fetch(req)));
});
