/**
 * A broken deployment of the worker's assets, in every engine (BROWSER_ENGINE): the page server answers
 * the worker script or onnxruntime's files with a 404 or a JSON error page, or the model download stalls.
 * createReranker rejects with a typed error (never hangs, never a bare Error), and once the files are
 * served again the same page loads. The faults are the servers' own answers (engine-neutral), each in a
 * fresh page so that no file is already in the HTTP cache. Times to the typed error are printed.
 *
 * Faults match a request's path and query: in the dev server a `?url` import of onnxruntime's files is a
 * module of the worker's graph (`….wasm?import&url`), not the runtime's own fetch.
 *
 * A module of the worker's graph that fails to load (the dev server serves the graph unbundled; a
 * production worker is one file, vite build) fires no error event in Firefox (ESR 153): the load ends
 * with LoadStalledError after loadStallMs, in Chromium and WebKit with WorkerCrashedError at once. Both
 * are typed, and the page loads once the module is served again.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import {
  ENGINE,
  type PageFault,
  type PageServer,
  type TestBrowser,
  type TestPage,
  launchBrowser,
  openEnginePage,
  startPageServer,
} from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';

let models: HubMirror;
let browser: TestBrowser;
let pages: PageServer;

beforeAll(async () => {
  models = await startHubMirror({ models: { [MODEL_ID]: await testModel('tiny-xlmr') } });
  pages = await startPageServer({ isolated: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

const load = (page: TestPage, extra: Record<string, unknown> = {}) =>
  page.evaluate(
    ([host, id, more]) =>
      window.rerankerTest.load({ model: id, remoteHost: host, browserCache: false, device: 'wasm', ...more } as never),
    [models.url, MODEL_ID, extra] as const,
  );

/** A fresh page (empty HTTP cache): `fault` applies while `during` runs, then the same page must load. */
async function inFreshPage(fault: () => void, clear: () => void, during: (page: TestPage) => Promise<void>) {
  const page = await openEnginePage(browser, pages.url);
  try {
    fault();
    try {
      await during(page);
    } finally {
      clear();
    }
    const recovered = await load(page);
    expect(recovered.ok, JSON.stringify(recovered)).toBe(true);
  } finally {
    await page.close();
  }
}

const NOT_FOUND: PageFault = { status: 404, contentType: 'text/plain', body: 'Not Found' };
const JSON_ERROR: PageFault = { status: 200, contentType: 'application/json', body: '{"error":"gone"}' };

/** The worker itself did not start: the client's WorkerCrashedError. */
const CRASHED = { name: 'WorkerCrashedError', code: 'WORKER_CRASHED' };
/** onnxruntime did not start: a ModelLoadError naming the runtime's file, not the model's. */
const RUNTIME = (file: RegExp) => ({
  name: 'ModelLoadError',
  code: 'MODEL_LOAD_FAILED',
  file: expect.stringMatching(file),
  message: expect.stringMatching(/^onnxruntime-web's file .* (answered|could not be imported)/),
});

const workerScriptFaults = [
  { what: 'the worker script answers 404', match: /\/reranker\.worker\.ts(\?|$)/, fault: NOT_FOUND, expected: CRASHED },
  {
    what: 'the worker script answers JSON',
    match: /\/reranker\.worker\.ts(\?|$)/,
    fault: JSON_ERROR,
    expected: CRASHED,
  },
];
const runtimeFaults = [
  {
    what: "onnxruntime's wasm answers 404",
    match: /\.wasm$/,
    fault: NOT_FOUND,
    expected: RUNTIME(/ort-wasm[^/]*\.wasm$/),
  },
  {
    what: "onnxruntime's wasm answers JSON",
    match: /\.wasm$/,
    fault: JSON_ERROR,
    expected: RUNTIME(/ort-wasm[^/]*\.wasm$/),
  },
  {
    what: "onnxruntime's loader (.mjs) answers 404",
    match: /\/ort-wasm[^/]*\.mjs$/,
    fault: NOT_FOUND,
    expected: RUNTIME(/ort-wasm[^/]*\.mjs$/),
  },
];

const refusedTyped = async ({
  match,
  fault,
  expected,
}: {
  match: RegExp;
  fault: PageFault;
  expected: Record<string, unknown>;
}) =>
  inFreshPage(
    () => pages.setFault(match, fault),
    () => pages.setFault(match, null),
    async (page) => {
      const started = Date.now();
      const result = await load(page);
      console.log(
        `[worker-assets] ${ENGINE} ${match} -> ${fault.status} ${fault.contentType}: after ${Date.now() - started} ms: ${JSON.stringify(result.ok ? result : result.error)}`,
      );
      expect(result).toMatchObject({ ok: false, error: expected });
    },
  );

test.each(workerScriptFaults)(
  '$what: createReranker rejects with WorkerCrashedError; served again, the page loads',
  refusedTyped,
);

test.each(runtimeFaults)(
  "$what: createReranker rejects with a ModelLoadError naming onnxruntime's file; served again, the page loads",
  refusedTyped,
);

test("a module of the worker's graph answers 404: a typed error (Firefox: LoadStalledError after loadStallMs); served again, the page loads", async () => {
  const workerOnlyModule = /\/src\/worker\/provider-log\.ts(\?|$)/; // imported by the worker, not the page
  await inFreshPage(
    () => pages.setFault(workerOnlyModule, NOT_FOUND),
    () => pages.setFault(workerOnlyModule, null),
    async (page) => {
      const started = Date.now();
      const result = await load(page, { loadStallMs: 5000 });
      console.log(
        `[worker-assets] ${ENGINE} worker module 404: after ${Date.now() - started} ms: ${JSON.stringify(result)}`,
      );
      expect(result).toMatchObject(
        ENGINE === 'firefox'
          ? { ok: false, error: { name: 'LoadStalledError', code: 'LOAD_STALLED' } }
          : { ok: false, error: { name: 'WorkerCrashedError', code: 'WORKER_CRASHED' } },
      );
    },
  );
});

test('a model download that stalls: createReranker rejects with LoadStalledError after loadStallMs; loadStallMs 0 is refused', async () => {
  const modelFile = /\/onnx\/model_quantized\.onnx$/;
  await inFreshPage(
    () => models.setFault(modelFile, { kind: 'stalled-body', bytes: 1000 }),
    () => models.setFault(modelFile, null),
    async (page) => {
      const started = Date.now();
      const result = await load(page, { loadStallMs: 3000 });
      console.log(`[worker-assets] ${ENGINE} stalled download, loadStallMs 3000: after ${Date.now() - started} ms`);
      expect(result).toMatchObject({ ok: false, error: { name: 'LoadStalledError', code: 'LOAD_STALLED' } });
      expect(await load(page, { loadStallMs: 0 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    },
  );
});
