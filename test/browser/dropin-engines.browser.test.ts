/**
 * The drop-in integration in every engine (BROWSER_ENGINE): the BUILT library, served with the example
 * page under a sub-path with cross-origin isolation and the strict CSP header, reranks a page's list in
 * place and its <rerank-results> element, in the order the reranker's own scores call for.
 * (dropin.browser.test.ts covers the rest of the drop-in in Chromium: focus, markup, limits, abort.)
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { BrowserReranker } from '../../src/client/create-reranker.js';
import type * as Lib from '../../src/entry/browser.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { type StaticServer, startStaticServer } from '../../scripts/static-server.js';
import { testModel } from '../helpers/models.js';
import { type TestBrowser, type TestPage, launchBrowser } from './harness.js';
import { expectedOrder } from './dropin-order.js';

/** What examples/dropin/main.js exposes on window. */
type ExampleWindow = Window & {
  rerankExample: {
    lib: typeof Lib;
    reranker: BrowserReranker;
    news: HTMLElement;
    readItem(li: Element): string;
  };
};

const MODEL_ID = 'test-org/tiny-xlmr';
const QUERY = '기준금리는 누가 결정하나요?';
const TOP_K = 3;
const MOUNT = '/app/v1';
const ROOT = process.cwd();

let outDir: string;
let models: HubMirror;
let site: StaticServer;
let browser: TestBrowser;
let page: TestPage;

beforeAll(async () => {
  await mkdir(path.join(ROOT, '.cache'), { recursive: true });
  outDir = await mkdtemp(path.join(ROOT, '.cache', 'dropin-engines-'));
  await build({ configFile: path.join(ROOT, 'vite.lib.config.ts'), logLevel: 'error', build: { outDir } });
  models = await startHubMirror({ models: { [MODEL_ID]: await testModel('tiny-xlmr') } });
  site = await startStaticServer({
    mounts: {
      [`${MOUNT}/examples/dropin/`]: path.join(ROOT, 'examples/dropin'),
      [`${MOUNT}/dist/lib/`]: outDir,
      [`${MOUNT}/public/models/`]: path.join(ROOT, 'public/models'),
    },
    connectSrc: [models.url],
  });
  browser = await launchBrowser();
  page = await browser.newPage();
  const query = new URLSearchParams({ model: MODEL_ID, host: models.url, topK: String(TOP_K) });
  await page.goto(`${site.url}${MOUNT}/examples/dropin/?${query}`);
  await page.waitForFunction(
    () => ['ready', 'error'].includes(document.getElementById('status')?.dataset['state'] ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  const status = await page.evaluate(
    () => `${document.getElementById('status')!.dataset['state']}: ${document.getElementById('status')!.textContent}`,
  );
  expect(status).toMatch(/^ready: /);
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await models?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Ids and texts of a list, texts as the reranking reads them (the example's reader, or the library's default). */
const listState = (selector: string, reader: 'example' | 'default') =>
  page.evaluate(
    ([sel, how]) => {
      const { readItem, lib } = (window as unknown as ExampleWindow).rerankExample;
      const items = [...document.querySelectorAll(sel)];
      return {
        ids: items.map((li) => li.getAttribute('data-id')!),
        texts: items.map((li) => (how === 'example' ? readItem(li) : lib.defaultText(li))),
      };
    },
    [selector, reader] as const,
  );

/** The reranker's own scores, computed apart from the drop-in. */
const ownScores = (texts: string[]) =>
  page.evaluate(
    ([q, t]) =>
      (window as unknown as ExampleWindow).rerankExample.reranker.score(t.map((x) => [q, x] as [string, string])),
    [QUERY, texts] as const,
  );

// First: the example's search form also sets the element's query.
test('<rerank-results> reranks its light-DOM list when its query changes', async () => {
  const before = await listState('#news li', 'default');
  const reranked = await page.evaluate(async (q) => {
    const { news } = (window as unknown as ExampleWindow).rerankExample;
    const done = new Promise<number>((resolve, reject) => {
      news.addEventListener('rerank', (e) => resolve((e as CustomEvent).detail.reranked.length), { once: true });
      news.addEventListener('rerank-error', (e) => reject(new Error(String((e as CustomEvent).detail))), {
        once: true,
      });
    });
    news.setAttribute('query', q);
    return done;
  }, QUERY);
  expect(reranked).toBe(2); // top-k="2"
  const order = expectedOrder(before.ids, await ownScores(before.texts), 2);
  expect(order).not.toEqual(before.ids);
  expect((await listState('#news li', 'default')).ids).toEqual(order);
});

test('the page list is reordered in place exactly as the scores say', async () => {
  const before = await listState('#results > li', 'example');
  const order = expectedOrder(before.ids, await ownScores(before.texts), TOP_K);
  expect(order).not.toEqual(before.ids); // else a no-op would pass
  await page.evaluate(() => (document.getElementById('search') as HTMLFormElement).requestSubmit());
  await page.waitForFunction(
    () => ['done', 'error'].includes(document.getElementById('status')?.dataset['state'] ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  expect(await page.evaluate(() => document.getElementById('status')!.dataset['state'])).toBe('done');
  expect((await listState('#results > li', 'example')).ids).toEqual(order);
  expect(await page.consoleErrors()).toEqual([]);
});
