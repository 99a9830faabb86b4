/**
 * The "bring your own first stage" example (examples/minisearch) in every engine (BROWSER_ENGINE), under its strict CSP:
 * MiniSearch's hits are painted at once in MiniSearch's order, repainted after every model run with
 * the scored ones first, and end in the order onnxruntime-node gives the same texts. The expectation is
 * computed here with the same MiniSearch index in Node and the engine, not read from the page.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildIndex, firstStage } from '../../examples/minisearch/first-stage.js';
import { SAMPLE_CORPUS } from '../../src/demo/sample-corpus-data.js';
import { Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { type TestBrowser, type TestPage, launchBrowser, startPageServer } from './harness.js';

const QUERY = '기준금리는 누가 결정하나요?';
/** onnxruntime-web's WASM and onnxruntime-node agree to this on 8-bit logits (reranker.browser.test.ts). */
const TOLERANCE = 2e-3;

let models: HubMirror;
let browser: TestBrowser;
let pages: { url: string; close(): Promise<void> };
let engine: Reranker;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'q8' });
  models = await startHubMirror({ models: { 'test-org/tiny-xlmr': folder } });
  pages = await startPageServer({ isolated: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
  await engine?.dispose();
});

/** The example's first stage, run here: the same module, documents and options as the page. */
function minisearchHits(query: string) {
  return firstStage(buildIndex(SAMPLE_CORPUS), query, 20).map((hit) => ({
    id: hit.id,
    text: `${hit.title}\n${hit.text}`,
  }));
}

/**
 * Every paint of the list from now on (the ids in order and how many were scored) and every CSP
 * violation (in every engine: WebKit's are not console errors that WebDriver can read), recorded in the page.
 */
async function recordPaints(page: TestPage) {
  await page.evaluate(() => {
    const paints: Array<{ ids: string[]; scored: number; scores: number[] }> = [];
    (window as unknown as { paints: typeof paints }).paints = paints;
    const violations: string[] = [];
    (window as unknown as { violations: typeof violations }).violations = violations;
    document.addEventListener('securitypolicyviolation', (event) =>
      violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
    new MutationObserver(() => {
      const items = [...document.querySelectorAll<HTMLElement>('#results li')];
      if (items.length === 0) return;
      paints.push({
        ids: items.map((li) => li.dataset['id']!),
        scored: items.filter((li) => li.dataset['scored'] === 'true').length,
        scores: items.filter((li) => li.dataset['score']).map((li) => Number(li.dataset['score'])),
      });
    }).observe(document, { childList: true, subtree: true });
  });
}

/** A request for this (missing) file lets the held model file go: the hub mirror's 'after' fault. */
const RELEASE_FILE = 'recorder-ready';

test('MiniSearch hits at once, reranked progressively, ending in the engine order; no CSP violation', async () => {
  const hits = minisearchHits(QUERY);
  expect(hits).toHaveLength(20);
  // The same progressive call as the page's: 8-bit activations are quantized per model run, so the
  // runs must hold the same rows for the scores to agree to kernel precision.
  const report = await engine.rankDetailed(
    QUERY,
    hits.map((h) => h.text),
    { batchTokens: 128, onPartial: () => undefined },
  );
  const engineScores = new Map(report.results.map((r) => [hits[r.index]!.id, r.score]));

  // The page paints only once its reranker is loaded: the model file is held until the recorder is in
  // place, so that the first paint is seen in every engine (classic WebDriver has no init scripts).
  models.setFault(/\.onnx$/, { kind: 'after', request: new RegExp(`/${RELEASE_FILE}$`) });
  const page = await browser.newPage();
  const params = new URLSearchParams({ model: 'test-org/tiny-xlmr', host: models.url, batchTokens: '128' });
  await page.goto(`${pages.url}/examples/minisearch/index.html?${params}`);
  await recordPaints(page);
  expect(await page.evaluate(() => document.querySelectorAll('#results li').length)).toBe(0);
  await fetch(`${models.url}/test-org/tiny-xlmr/resolve/main/${RELEASE_FILE}`);
  models.setFault(/\.onnx$/, null);
  await page.waitForFunction(
    () => ['done', 'error'].includes(document.getElementById('status')?.dataset['state'] ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  expect(await page.evaluate(() => document.getElementById('status')?.textContent ?? '')).toMatch(/^완료/);

  const paints = await page.evaluate(
    () => (window as unknown as { paints: Array<{ ids: string[]; scored: number; scores: number[] }> }).paints,
  );
  // First paint: MiniSearch's own order, nothing scored.
  expect(paints[0]).toEqual({ ids: hits.map((h) => h.id), scored: 0, scores: [] });
  // At least one partial between the first stage and the end, with some but not all scored.
  expect(paints.some((p) => p.scored > 0 && p.scored < hits.length)).toBe(true);
  // The end: every hit scored as onnxruntime-node scores it, best first.
  const last = paints.at(-1)!;
  expect(last.scored).toBe(hits.length);
  expect([...last.ids].sort()).toEqual(hits.map((h) => h.id).sort());
  last.ids.forEach((id, i) => expect(Math.abs(last.scores[i]! - engineScores.get(id)!), id).toBeLessThan(TOLERANCE));
  expect(last.scores).toEqual([...last.scores].sort((a, b) => b - a));
  expect(await page.consoleErrors()).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
  await page.close();
});
