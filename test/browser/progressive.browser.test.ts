/**
 * Issue 11 items 1 and 3 through the worker in a real browser: partial rankings cross the Comlink
 * boundary after every model run and never after the result; the worker's score cache answers a
 * repeated query without a model run. Runs in every engine (BROWSER_ENGINE).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { type TestBrowser, type TestPage, launchBrowser, openEnginePage, startPageServer } from './harness.js';

const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES, longPassage(2), longPassage(5)];

let models: HubMirror;
let browser: TestBrowser;
let pages: { url: string; close(): Promise<void> };
let page: TestPage;

beforeAll(async () => {
  models = await startHubMirror({ models: { 'test-org/tiny-xlmr': await testModel('tiny-xlmr') } });
  pages = await startPageServer({ isolated: true });
  browser = await launchBrowser();
  page = await openEnginePage(browser, pages.url);
  const loaded = await page.evaluate(
    (host) =>
      window.rerankerTest.load({ model: 'test-org/tiny-xlmr', remoteHost: host, device: 'wasm', browserCache: false }),
    models.url,
  );
  expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

test('partials arrive after every model run in first-stage order, none after the result; a repeat is served from the cache', async () => {
  const run = await page.evaluate(([q, docs]) => window.rerankerTest.rankProgressively(q, docs, { batchTokens: 96 }), [
    KOREAN_QUERY,
    PASSAGES,
  ] as const);
  expect(run.ok, JSON.stringify(run)).toBe(true);
  if (!run.ok) return;
  expect(run.partials.length).toBeGreaterThan(2);
  expect(run.afterFinal).toBe(0);
  run.partials.forEach((p, k) => {
    expect(p.final).toBe(false);
    expect([...p.order].sort((a, b) => a - b)).toEqual(PASSAGES.map((_, i) => i));
    if (k > 0) expect(p.scored).toBeGreaterThan(run.partials[k - 1]!.scored);
  });
  // The first partial scored only a prefix of the first-stage order: the unscored tail is in input order.
  const first = run.partials[0]!;
  expect(first.order.slice(first.scored)).toEqual(PASSAGES.map((_, i) => i).slice(first.scored));
  expect(run.final).toMatchObject({ final: true, scored: PASSAGES.length, cacheHits: 0, unscored: [] });

  const plain = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
    KOREAN_QUERY,
    PASSAGES,
  ] as const);
  expect(plain.ok && plain.ranked.map((r) => r.index)).toEqual(run.final!.results.map((r) => r.index));

  const repeat = await page.evaluate(
    ([q, docs]) => window.rerankerTest.rankProgressively(q, docs, { batchTokens: 96 }),
    [KOREAN_QUERY, PASSAGES] as const,
  );
  expect(repeat.ok && repeat.final).toMatchObject({ cacheHits: PASSAGES.length, scored: PASSAGES.length });
  expect(repeat.ok && repeat.partials).toEqual([]);
});

test('switchModel clears the cache: the same call after a switch is scored by the model again', async () => {
  const query = `${KOREAN_QUERY} 전환`;
  const before = await page.evaluate(([q, docs]) => window.rerankerTest.rankProgressively(q, docs), [
    query,
    PASSAGES,
  ] as const);
  const again = await page.evaluate(([q, docs]) => window.rerankerTest.rankProgressively(q, docs), [
    query,
    PASSAGES,
  ] as const);
  expect(before.ok && again.ok && [before.final!.cacheHits, again.final!.cacheHits]).toEqual([0, PASSAGES.length]);
  const switched = await page.evaluate(
    (host) =>
      window.rerankerTest.switchModel({
        model: 'test-org/tiny-xlmr',
        remoteHost: host,
        device: 'wasm',
        browserCache: false,
      }),
    models.url,
  );
  expect(switched.ok, JSON.stringify(switched)).toBe(true);
  const after = await page.evaluate(([q, docs]) => window.rerankerTest.rankProgressively(q, docs), [
    query,
    PASSAGES,
  ] as const);
  expect(after.ok && after.final).toMatchObject({ cacheHits: 0, scored: PASSAGES.length });
});
