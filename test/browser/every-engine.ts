/**
 * The browser test files that run in every engine (BROWSER_ENGINE=firefox or webkit runs exactly these;
 * Chromium runs them with all the others). Chosen for what can differ between engines: the worker and
 * its WASM backend (threads, SIMD, fallbacks), Comlink partials and cancel, typed errors crossing the
 * worker boundary. Left to Chromium: what needs Chromium's own tools (WebGPU on the SwiftShader adapter,
 * killing a worker over CDP, request routing), the benchmarks' frame-rate checks, and the package build
 * test, whose bundle is engine-independent. Each engine adds about 3 minutes to CI on 2 cores.
 */
export const EVERY_ENGINE_TESTS = [
  'test/browser/reranker.browser.test.ts',
  'test/browser/progressive.browser.test.ts',
  'test/browser/client-arguments.browser.test.ts',
  'test/browser/memory.browser.test.ts',
  'test/browser/app-offline.browser.test.ts',
  'test/browser/dropin-engines.browser.test.ts',
];
