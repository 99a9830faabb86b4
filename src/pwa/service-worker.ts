/**
 * Offline support: precaches the app shell (HTML, scripts, onnxruntime's wasm, manifest) of one build
 * and the small generated demo model, serves them cache-first, and keeps cross-origin isolation
 * (COOP/COEP) on what it serves so WASM threads still work offline. Hub models are kept by
 * transformers.js in the Cache API once used, not here.
 * Of onnxruntime's two builds, the WASM-only one (14 MB) is always precached; the one with WebGPU
 * (27 MB) only where this device's backend plan tries WebGPU, else it is cached when first fetched.
 * A new build installs beside the old one and takes over when the page asks (see register.ts).
 */
import { planBackends } from '../worker/backend-plan.js';
import { ISOLATION_HEADERS } from '../worker/isolation-headers.js';
import { probeCapabilities } from '../worker/probe.js';
import { runtimeBuildFor } from '../worker/runtime-build.js';

const sw = globalThis as unknown as ServiceWorkerGlobalScope;

/** Replaced at build time by the precache plugin in vite.config.ts. */
const BUILD = {
  version: '__BUILD_VERSION__',
  files: ['__PRECACHE_FILES__'],
  /** onnxruntime's build with WebGPU (.wasm and .mjs). */
  webgpuRuntime: ['__WEBGPU_RUNTIME_FILES__'],
};

const SHELL_PREFIX = 'app-shell-';
const SHELL_CACHE = `${SHELL_PREFIX}${BUILD.version}`;
const inScope = (file: string) => new URL(file, sw.registration.scope).href;

/** The shell, and onnxruntime's WebGPU build where the reranker worker's plan on this device will load it. */
async function precacheFiles(): Promise<string[]> {
  const plan = planBackends(await probeCapabilities());
  return runtimeBuildFor(plan) === 'webgpu' ? [...BUILD.files, ...BUILD.webgpuRuntime] : BUILD.files;
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll((await precacheFiles()).map(inScope));
    })(),
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

/** What a HEAD of a cached file answers: its status and headers (Content-Length included), no body. */
function withoutBody(response: Response): Response {
  void response.body?.cancel();
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if ((request.method !== 'GET' && request.method !== 'HEAD') || url.origin !== sw.location.origin) return;
  const shellPath = request.mode === 'navigate' ? new URL('index.html', sw.registration.scope).href : url.href;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // Matched as a GET of the same URL: the library asks a model file's size with a HEAD, offline too.
      const cached = await cache.match(shellPath, { ignoreSearch: request.mode === 'navigate' });
      if (cached) return isolated(request.method === 'HEAD' ? withoutBody(cached) : cached);
      const response = await fetch(request);
      if (request.method === 'HEAD') return isolated(response);
      // WebGPU's runtime, not precached on this device but asked for (device: 'webgpu'): kept for offline use.
      if (response.ok && BUILD.webgpuRuntime.some((file) => inScope(file) === url.href))
        await cache.put(url.href, response.clone());
      return isolated(response);
    })(),
  );
});
