/**
 * placement: 'auto' in every engine (BROWSER_ENGINE) with the real worker, the real edge service and a local hub: a model not
 * in the browser yet runs on the edge (and nothing of it is downloaded), the same model once cached and
 * predicted within the budget runs here, and an edge service that does not answer leaves it here.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { startTestServer } from '../server/helpers.js';
import { type TestBrowser, type TestPage, launchBrowser, openEnginePage, startPageServer } from './harness.js';

const MODEL = 'test-org/tiny-xlmr';
/** onnxruntime-web's WASM and onnxruntime-node agree to this on 8-bit logits (reranker.browser.test.ts). */
const TOLERANCE = 2e-3;

let models: HubMirror;
let browser: TestBrowser;
let pages: { url: string; close(): Promise<void> };
let page: TestPage;
let engine: Reranker;
let edge: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'q8' });
  models = await startHubMirror({ models: { [MODEL]: folder } });
  pages = await startPageServer({ isolated: true });
  edge = await startTestServer(
    { corsOrigins: [pages.url], modelNames: ['*'] },
    await EngineRunner.load({ model: folder, dtype: 'q8' }),
  );
  browser = await launchBrowser();
  page = await openEnginePage(browser, pages.url, 'placement');
});
afterAll(async () => {
  await browser?.close();
  await edge?.close();
  await pages?.close();
  await models?.close();
  await engine?.dispose();
});

const onnxRequests = () => models.requests.filter((url) => url.includes('.onnx')).length;

test('not cached: the edge service ranks and nothing is downloaded; cached: here; the edge down: here', async () => {
  const options = { model: MODEL, remoteHost: models.url, device: 'wasm', placement: 'auto' } as const;
  const expected = await engine.rank(KOREAN_QUERY, KOREAN_PASSAGES);
  const expectScores = (results: Array<{ index: number; score: number }>) => {
    const byIndex = new Map(expected.map((r) => [r.index, r.score]));
    expect(results).toHaveLength(expected.length);
    for (const r of results) expect(Math.abs(r.score - byIndex.get(r.index)!)).toBeLessThan(TOLERANCE);
  };

  const before = onnxRequests();
  const onEdge = await page.evaluate(([o, q, d]) => window.placementTest.place(o, q, d), [
    { ...options, endpoint: edge.url },
    KOREAN_QUERY,
    KOREAN_PASSAGES,
  ] as const);
  expect(onEdge).toMatchObject({ backend: 'remote', placement: { where: 'edge' }, reportPlacement: { where: 'edge' } });
  expect(onEdge.placement.reason).toMatch(/not in this browser yet/);
  expectScores(onEdge.results);
  expect(onnxRequests()).toBe(before);

  await page.evaluate((o) => window.placementTest.warmCache(o), {
    model: MODEL,
    remoteHost: models.url,
    device: 'wasm',
  } as const);
  const here = await page.evaluate(([o, q, d]) => window.placementTest.place(o, q, d), [
    { ...options, endpoint: edge.url },
    KOREAN_QUERY,
    KOREAN_PASSAGES,
  ] as const);
  expect(here).toMatchObject({ backend: 'wasm', placement: { where: 'local' }, reportPlacement: { where: 'local' } });
  expect(here.placement.reason).toMatch(/cached and predicted \d+ ms here, within the 2000 ms budget/);
  expectScores(here.results);

  const down = await page.evaluate(([o, q, d]) => window.placementTest.place(o, q, d), [
    { ...options, endpoint: 'http://127.0.0.1:9' },
    KOREAN_QUERY,
    KOREAN_PASSAGES,
  ] as const);
  expect(down).toMatchObject({ backend: 'wasm', placement: { where: 'local' } });
  expect(down.placement.reason).toMatch(/did not answer/);
  expectScores(down.results);
});
