/**
 * The browser test files that run in every engine: BROWSER_ENGINE=firefox or webkit runs exactly these
 * (Chromium runs them with all the others). Chosen for what can differ between engines:
 * - the worker on WASM: threads, SIMD, fidelity against onnxruntime-node, progress, cancel, the Cache
 *   API model cache, typed errors crossing the worker boundary, the no-WebGPU reason (reranker);
 * - Comlink partials (progressive); argument refusals in the page (client-arguments);
 * - the memory fit's refusal and smaller batches (memory);
 * - a worker that ends, throws, never yields, or (Firefox) exhausts its JS heap while ranks wait, through
 *   the worker's own test seam instead of CDP (worker-death);
 * - the production demo under its CSP, its service worker's update flow, and offline (app-offline);
 * - the built drop-in library under the strict CSP header, and its custom element (dropin-engines);
 * - placement 'auto' against the real edge service (placement); the MiniSearch example (minisearch-example);
 * - broken worker and runtime files and a stalled download, as the servers' own answers (worker-assets).
 * Left to Chromium: WebGPU (only Chromium has an adapter here, the software one); what needs Playwright's
 * request routing or offline flag (the hub blocked in the demo tests, the PWA's missing-model notice);
 * the demo races (minutes of ranks with a larger model,
 * file uploads: too long to repeat per engine in CI); the benchmarks' frame-rate checks; and the package
 * and library build checks, whose bundle does not depend on the engine.
 * Measured on the 2-core CI machine: see docs/browser.md#every-browser-engine.
 */
export const EVERY_ENGINE_TESTS = [
  'test/browser/reranker.browser.test.ts',
  'test/browser/progressive.browser.test.ts',
  'test/browser/client-arguments.browser.test.ts',
  'test/browser/memory.browser.test.ts',
  'test/browser/app-offline.browser.test.ts',
  'test/browser/dropin-engines.browser.test.ts',
  'test/browser/worker-death.browser.test.ts',
  'test/browser/placement.browser.test.ts',
  'test/browser/minisearch-example.browser.test.ts',
  'test/browser/worker-assets.browser.test.ts',
];
