/**
 * What the demo fetches (issue 20 item 2). Page open: each model file travels once (transformers.js's
 * size probe goes out as a HEAD, without a body). A model switch in the picker keeps the reranker worker
 * and its onnxruntime: no new worker, no second fetch of onnxruntime's wasm, only the new model's files;
 * and the switched model ranks the same search exactly as a page that loaded it in a fresh worker does.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { blockHub, launchChromium, startPageServer } from './harness.js';
import { rerankedListShown } from './demo-app.js';

const OTHER = 'test-org/other-xlmr';
const QUERY = '기준금리는 누가 결정하나요?';
const RUNTIME_WASM = /\/ort-wasm-simd-threaded[^/]*\.wasm/;

let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let models: HubMirror;

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js');
  models = await startHubMirror({ models: { [OTHER]: await testModel('tiny-xlmr', 11) } });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

interface Watched {
  page: Page;
  /** Reranker workers the page started, and fetches of onnxruntime's wasm by any of its workers. */
  counts(): { rerankerWorkers: number; runtimeFetches: number };
  /** Every finished request of the page and its workers: path, method, status, body bytes received. */
  finished(): Promise<Array<{ path: string; method: string; status: number; body: number }>>;
}

async function openDemo(options: { demoModelFails?: boolean } = {}): Promise<Watched> {
  const context = await browser.newContext();
  await blockHub(context);
  // Without the demo model, the page's first load fails and the next choice starts a fresh worker.
  if (options.demoModelFails) await context.route('**/models/demo-xlmr/**', (route) => route.abort());
  const page = await context.newPage();
  let rerankerWorkers = 0;
  let runtimeFetches = 0;
  page.on('worker', (worker) => void (worker.url().includes('reranker.worker') && rerankerWorkers++));
  page.on('request', (request) => void (RUNTIME_WASM.test(request.url()) && runtimeFetches++));
  const finished: Array<Promise<{ path: string; method: string; status: number; body: number }>> = [];
  page.on('requestfinished', (request) =>
    finished.push(
      Promise.all([request.sizes(), request.response()]).then(([sizes, response]) => ({
        path: new URL(request.url()).pathname,
        method: request.method(),
        status: response?.status() ?? 0,
        body: sizes.responseBodySize,
      })),
    ),
  );
  await page.goto(pages.url);
  await page.waitForFunction(() => /^준비됨|준비하지 못했/.test(document.getElementById('status')?.textContent ?? ''), {
    timeout: 120_000,
  });
  return { page, counts: () => ({ rerankerWorkers, runtimeFetches }), finished: () => Promise.all(finished) };
}

/** Chooses the other model; the next search waits for its load (a warm-up's status shows only before any search). */
async function chooseOther(page: Page): Promise<void> {
  await page.click('#model-panel summary');
  await page.selectOption('#model-select', 'custom');
  await page.fill('#custom-model', `${models.url}/${OTHER}/resolve/main`);
}

async function search(page: Page): Promise<Array<{ text: string; score: string }>> {
  await page.fill('#query', QUERY);
  await page.press('#query', 'Enter');
  await page.waitForFunction(rerankedListShown, QUERY, { timeout: 120_000 });
  // The status names the model that ranked by its folder's last segment: 'main' for the other model.
  const status = (await page.textContent('#status')) ?? '';
  expect(status).toMatch(/재순위화 \d+ ms/);
  return page.$$eval('#results li', (items) =>
    items.map((li) => ({ text: li.querySelector('p')!.textContent!, score: li.dataset['score'] ?? '' })),
  );
}

test('page open fetches each model file once: one body per file, as long as the file; the size probe has none', async () => {
  const opened = await openDemo();
  await opened.page.waitForTimeout(500); // the last requestfinished events
  const requests = (await opened.finished()).filter((r) => r.path.startsWith('/models/demo-xlmr/'));
  const files = [...new Set(requests.map((r) => r.path))];
  expect(files).toContain('/models/demo-xlmr/onnx/model_quantized.onnx');
  for (const file of files) {
    const size = (await stat(path.join('public', file))).size;
    const ofFile = requests.filter((r) => r.path === file);
    const bodies = ofFile.filter((r) => r.body > 0);
    expect(bodies, file).toEqual([{ path: file, method: 'GET', status: 200, body: size }]);
    // Anything else asked of the file (transformers.js's size probe) carried no body.
    expect(
      ofFile.filter((r) => r.body === 0).every((r) => r.method === 'HEAD'),
      JSON.stringify(ofFile),
    ).toBe(true);
  }
  await opened.page.context().close();
});

test('switching models in the picker keeps the worker and the runtime, and ranks as a fresh load of that model', async () => {
  const switched = await openDemo();
  expect(await switched.page.textContent('#status')).toMatch(/^준비됨\. wasm \/ q8, \d 스레드 · demo-xlmr/);
  const first = await search(switched.page);
  const before = switched.counts();
  expect(before.rerankerWorkers).toBe(1);
  expect(before.runtimeFetches).toBeGreaterThan(0);
  const otherFiles: string[] = [];
  switched.page.on('request', (r) => void (r.url().includes(OTHER) && otherFiles.push(r.url())));

  await chooseOther(switched.page);
  const afterSwitch = await search(switched.page);
  expect(await switched.page.textContent('#status')).toMatch(/ · main · 무작위 가중치/);
  // The same worker, and onnxruntime's wasm was not fetched again (not even from the HTTP cache).
  expect(switched.counts()).toEqual(before);
  expect(otherFiles.some((url) => url.endsWith('onnx/model_quantized.onnx'))).toBe(true);
  expect(afterSwitch).not.toEqual(first); // other weights, other scores

  // The reference: a page whose first model failed, so the same choice loads in a fresh worker.
  const fresh = await openDemo({ demoModelFails: true });
  expect(await fresh.page.textContent('#status')).toMatch(/준비하지 못했/);
  await chooseOther(fresh.page);
  expect(await search(fresh.page)).toEqual(afterSwitch);
  expect(await fresh.page.textContent('#status')).toMatch(/ · main · 무작위 가중치/);
  expect(fresh.counts().rerankerWorkers).toBe(2);
  await switched.page.context().close();
  await fresh.page.context().close();
});
