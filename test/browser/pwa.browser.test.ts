/**
 * The production build as an offline PWA in real Chromium: after one online visit it loads, indexes and
 * reranks with the network off (Playwright's offline flag), still cross-origin isolated (threads). The
 * update flow runs in every engine: app-offline.browser.test.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MODEL_CACHE_NAME } from '../../src/worker/model-cache-name.js';
import { launchChromium } from './harness.js';
import { buildApp, rerankedListShown } from './demo-app.js';
import { type StaticServer, startStaticServer } from '../../scripts/static-server.js';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let server: StaticServer;
let scratch: string;
let firstBuild: string;
const consoleErrors: string[] = [];

/** Waits until #status matches `pattern`; on timeout the error says what the status line read instead. */
async function waitForStatus(target: Page, pattern: RegExp, timeout: number): Promise<void> {
  try {
    await target.waitForFunction(
      (p) => new RegExp(p).test(document.getElementById('status')?.textContent ?? ''),
      pattern.source,
      {
        timeout,
      },
    );
  } catch (error) {
    const status = await target.textContent('#status').catch(() => '(no page)');
    throw new Error(`#status never matched ${pattern} in ${timeout} ms; it reads: ${status}`, { cause: error });
  }
}

async function search(query: string): Promise<string[]> {
  await page.fill('#query', query);
  await page.press('#query', 'Enter'); // keyboard, as a user would
  // The first-stage list shows at once; wait for the reranked one of this query.
  await page.waitForFunction(rerankedListShown, query, { timeout: 120_000 });
  return page.$$eval('#results li p', (items) => items.map((p) => p.textContent ?? ''));
}

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js'); // the demo model the app ships in public/
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-pwa-'));
  firstBuild = await buildApp(scratch, 'v1');
  server = await startStaticServer({ mounts: { '/': firstBuild }, csp: false }); // the app's own meta CSP applies
  browser = await launchChromium({ webgpu: false });
  context = await browser.newContext();
  page = await context.newPage();
  page.on('console', (m) => {
    // The hub probe fails here (no internet, then offline) and the page says so in words: not an error to count.
    if (m.type() === 'error' && !m.location().url.includes('huggingface.co')) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

test('after one online visit WITHOUT a search the app reranks offline; a model it never stored is said to be missing, in Korean', async () => {
  // A visitor who only opened the page: the service worker must have stored the demo model by itself.
  const fresh = await browser.newContext();
  const visitor = await fresh.newPage();
  const errors: string[] = [];
  visitor.on('console', (m) => {
    if (m.type() === 'error' && !/huggingface\.co|ERR_INTERNET_DISCONNECTED/.test(m.location().url + m.text()))
      errors.push(m.text());
  });
  visitor.on('pageerror', (e) => errors.push(String(e)));
  try {
    await visitor.goto(server.url);
    await visitor.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    expect(server.log.filter((line) => line.includes('/models/demo-xlmr/'))).not.toEqual([]); // fetched by the install, not by a search
    // The library's own model cache may not hold the model yet (the visitor left before its load ended:
    // this test once went offline that early, by chance): only the service worker's copy may count.
    await waitForStatus(visitor, /^준비됨/, 60_000);
    expect(await visitor.evaluate((name) => caches.delete(name), MODEL_CACHE_NAME)).toBe(true);
    const offlineModelRequests: string[] = [];
    visitor.on('response', (response) => {
      if (response.url().includes('/models/demo-xlmr/'))
        offlineModelRequests.push(
          `${response.request().method()} ${response.status()} ${response.fromServiceWorker()}`,
        );
    });
    await fresh.setOffline(true);
    await visitor.reload();
    await waitForStatus(visitor, /^준비됨/, 60_000);
    // transformers.js asks each file's size first (a HEAD, src/engine/size-probe.ts): the worker answers it too.
    expect(offlineModelRequests).toContain('HEAD 200 true');
    expect(offlineModelRequests.every((line) => line.endsWith(' 200 true'))).toBe(true);
    await visitor.fill('#query', '기준금리는 누가 결정하나요?');
    await visitor.press('#query', 'Enter');
    await waitForStatus(visitor, /재순위화 \d+ ms|재순위화하지 못해/, 120_000);
    expect(await visitor.textContent('#status')).toMatch(
      /재순위화 \d+ ms .*wasm \/ q8, \d 스레드 · demo-xlmr · 무작위 가중치 \(random weights\)$/,
    );
    expect(await visitor.$$eval('#results li[data-score]', (items) => items.length)).toBeGreaterThan(1);

    // A model that was never stored: the page says so plainly, and the first-stage results stay.
    await visitor.click('#model-panel summary');
    await visitor.selectOption('#model-select', 'Xenova/bge-reranker-base');
    await visitor.fill('#query', '기준금리 결정');
    await visitor.press('#query', 'Enter');
    await waitForStatus(visitor, /재순위화하지 못해/, 120_000);
    expect(await visitor.textContent('#status')).toMatch(
      /오프라인 상태이고, 모델 "Xenova\/bge-reranker-base"은\(는\) 아직 이 기기에 저장되어 있지 않습니다/,
    );
    expect(await visitor.$$eval('#results li', (items) => items.length)).toBeGreaterThan(1);
    await visitor.screenshot({ path: 'test-results/pwa-offline-missing-model.png' });
    expect(errors).toEqual([]);
  } finally {
    await fresh.close();
  }
});

test('after one online visit the app searches and reranks offline, still cross-origin isolated', async () => {
  await page.goto(server.url);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
  const online = await search('기준금리는 누가 결정하나요?');
  expect(online.length).toBeGreaterThan(1);
  expect(await page.textContent('#version')).toBe('build v1');

  await context.setOffline(true);
  try {
    await page.reload();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(
      await page.evaluate(() =>
        fetch('/index.html').then(
          () => 'online',
          () => 'offline',
        ),
      ),
    ).toBe('online'); // served by the worker
    expect(await search('기준금리는 누가 결정하나요?')).toEqual(online);
    expect(await page.textContent('#status')).toMatch(/wasm \/ q8, \d 스레드/);
    expect(consoleErrors).toEqual([]); // nothing failed to load offline
    // The network really is off.
    expect(
      await page.evaluate(() =>
        fetch('https://huggingface.co/').then(
          () => 'reached',
          () => 'unreachable',
        ),
      ),
    ).toBe('unreachable');
  } finally {
    await context.setOffline(false);
  }
});

test("the precache holds the onnxruntime build this device's plan runs: WASM-only here (no WebGPU adapter); the WebGPU build is kept once fetched", async () => {
  const shellPaths = () =>
    page.evaluate(async () => {
      const name = (await caches.keys()).find((key) => key.startsWith('app-shell-'))!;
      return (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
    });
  const runtimes = (paths: string[]) =>
    paths.filter((p) => /\/ort-wasm-simd-threaded[^/]*\.(wasm|mjs)$/.test(p)).sort();
  const built = (await readdir(path.join(firstBuild, 'assets'))).map((name) => `/assets/${name}`);
  const wasmOnly = runtimes(built).filter((p) => !p.includes('.asyncify-'));
  const webgpu = runtimes(built).filter((p) => p.includes('.asyncify-'));
  expect([wasmOnly.length, webgpu.length]).toEqual([2, 2]);
  // Issue 20 item 2: 14 MB precached, not 14 + 27 MB.
  expect(runtimes(await shellPaths())).toEqual(wasmOnly);
  // A page that forces WebGPU fetches the other build through the service worker, which keeps it for offline use.
  const webgpuWasm = webgpu.find((p) => p.endsWith('.wasm'))!;
  expect(await page.evaluate(async (url) => (await fetch(url)).ok, webgpuWasm)).toBe(true);
  expect(await shellPaths()).toContain(webgpuWasm);
});
