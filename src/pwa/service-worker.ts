/**
 * Offline support: precaches the app shell (HTML, scripts, onnxruntime's wasm, manifest) of one build
 * and the small generated demo model, serves them cache-first, and keeps cross-origin isolation
 * (COOP/COEP) on what it serves so WASM threads still work offline. Hub models are kept by
 * transformers.js in the Cache API once used, not here.
 * A new build installs beside the old one and takes over when the page asks (see register.ts).
 */
import { ISOLATION_HEADERS } from '../worker/isolation-headers.js';

const sw = globalThis as unknown as ServiceWorkerGlobalScope;

/** Replaced at build time by the precache plugin in vite.config.ts. */
const BUILD = { version: '__BUILD_VERSION__', files: ['__PRECACHE_FILES__'] };

const SHELL_PREFIX = 'app-shell-';
const SHELL_CACHE = `${SHELL_PREFIX}${BUILD.version}`;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(BUILD.files.map((file) => new URL(file, sw.registration.scope).href))),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void sw.skipWaiting();
});

/** A copy of the response with the isolation headers set (cached copies may lack them). */
function isolated(response: Response): Response {
  if (response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return;
  const shellPath = request.mode === 'navigate' ? new URL('index.html', sw.registration.scope).href : url.href;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      const cached = await cache.match(shellPath, { ignoreSearch: request.mode === 'navigate' });
      if (cached) return isolated(cached);
      return isolated(await fetch(request));
    })(),
  );
});
