/**
 * Keeps the model cache open from the page for the page's whole life. WebKit in an ephemeral session
 * (Safari's private browsing, WebKit's automation) keeps Cache API storage in memory only and drops a
 * cache as soon as no context holds it open: the files a worker had cached were gone once that worker
 * ended (a model switch, a restart after a crash), so the next load downloaded everything again (seen in
 * WebKitGTK 2.50). Held by the page, they stay for as long as the page does.
 */
import { MODEL_CACHE_NAME } from '../worker/model-cache-name.js';

let held: Promise<Cache | null> | null = null;

export function holdModelCache(): void {
  if (held || typeof caches === 'undefined') return;
  held = caches.open(MODEL_CACHE_NAME).catch(() => null); // storage refused (e.g. an opaque origin): nothing to hold
}
