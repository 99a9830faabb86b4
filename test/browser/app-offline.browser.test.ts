/**
 * The production app in every engine (BROWSER_ENGINE): the demo's search flow reranks under the app's
 * own strict CSP (no eval, no inline script, wasm only through 'wasm-unsafe-eval'), cross-origin
 * isolated; a new build is offered and takes over cleanly (the service worker's update flow); its
 * service worker installs the shell and the demo model on the first visit, so with the server gone the
 * reloaded app still searches and reranks the same. (pwa.browser.test.ts covers the offline flag and
 * the missing-model notice in Chromium.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type StaticServer, startStaticServer } from '../../scripts/static-server.js';
import { type TestBrowser, type TestPage, launchBrowser } from './harness.js';
import { buildApp, rerankedListShown } from './demo-app.js';

let browser: TestBrowser;
let page: TestPage;
let server: StaticServer;
let scratch: string;

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js'); // the demo model the app ships in public/
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-app-'));
  server = await startStaticServer({ mounts: { '/': await buildApp(scratch, 'v1') }, csp: false }); // the app's own meta CSP applies
  browser = await launchBrowser();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.close().catch(() => undefined); // the test closes it on purpose
  await rm(scratch, { recursive: true, force: true });
});

/** Types a query and submits the form as the Enter key does; the reranked list of that query. */
async function search(query: string): Promise<{ texts: string[]; status: string }> {
  await page.evaluate((q) => {
    const input = document.getElementById('query') as HTMLInputElement;
    input.value = q;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.form!.requestSubmit();
  }, query);
  await page.waitForFunction(rerankedListShown, query, { timeout: 120_000 });
  return page.evaluate(() => ({
    texts: [...document.querySelectorAll('#results li p')].map((p) => p.textContent ?? ''),
    status: document.getElementById('status')?.textContent ?? '',
  }));
}

const QUERY = '기준금리는 누가 결정하나요?';

const versionShown = () => page.evaluate(() => document.getElementById('version')?.textContent ?? '');

/** Polls `check` in the page across a navigation (an evaluate that meets the page unloading fails). */
async function waitAcrossReload(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await page.evaluate(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a new build installs beside the old one, is offered, and takes over cleanly', async () => {
  await page.goto(server.url);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
  expect(await versionShown()).toBe('build v1');
  server.mount('/', await buildApp(scratch, 'v2'));
  await page.reload(); // the browser checks sw.js and finds the new build
  await page.waitForFunction(() => document.getElementById('update')?.hidden === false, undefined, {
    timeout: 60_000,
  });
  // In Korean, and above the results where it is seen (not under a long list).
  const banner = await page.evaluate(() => ({
    text: document.getElementById('update')!.textContent ?? '',
    aboveResults:
      document.getElementById('update')!.getBoundingClientRect().top <
      document.getElementById('results')!.getBoundingClientRect().top,
  }));
  expect(banner).toEqual({ text: expect.stringContaining('새 버전이 준비되었습니다'), aboveResults: true });
  expect(await versionShown()).toBe('build v1'); // nothing changes until the user accepts
  await page.evaluate(() => document.getElementById('apply-update')!.click());
  await waitAcrossReload(() => document.getElementById('version')?.textContent === 'build v2', 'build v2');
  const shells = await page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith('app-shell-')));
  expect(shells).toHaveLength(1); // the old build's cache is gone
  expect((await search('기준금리')).texts.length).toBeGreaterThan(0);
});

test('searches and reranks under its CSP, cross-origin isolated; with the server gone, reloads and reranks the same', async () => {
  await page.goto(server.url);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
  const online = await search(QUERY);
  expect(online.texts.length).toBeGreaterThan(1);
  expect(online.status).toMatch(/재순위화 \d+ ms .*wasm \/ q8, \d 스레드/);
  // The hub probe fails on this closed network and the page says so in words: not an error to count
  // (Chromium logs it without the URL, as a name that does not resolve: the app's own files are on 127.0.0.1).
  const hubProbe =
    /huggingface\.co|hf\.co|NetworkError|Failed to fetch|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED/;
  const errors = (await page.consoleErrors()).filter((e) => !hubProbe.test(e));
  expect(errors).toEqual([]);

  await server.close(); // the origin is unreachable from now on: only the service worker can answer
  await page.reload();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(
    await page.evaluate(() =>
      fetch(`${location.origin}/manifest.webmanifest`, { cache: 'no-store' }).then(
        (response) => response.ok,
        () => false,
      ),
    ),
  ).toBe(true); // answered by the service worker
  const offline = await search(QUERY);
  expect(offline.texts).toEqual(online.texts);
});
