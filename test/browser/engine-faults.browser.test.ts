/**
 * Engine faults of issue 10 as they show in the Web Worker (real Chromium, WASM): long unspaced text
 * (item 4), whose stack limit is lower in a worker than in Node.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ModelServer, startModelServer } from '../../src/model-server/server.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { launchChromium, openTestPage, startPageServer } from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';

let models: ModelServer;
let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  models = await startModelServer({ models: { [MODEL_ID]: await testModel('tiny-xlmr') } });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
  ({ page, consoleErrors } = await openTestPage(browser, pages.url));
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

describe('long text without spaces in the worker (item 4)', () => {
  beforeAll(async () => {
    const loaded = await page.evaluate(
      ([host, id]) => window.rerankerTest.load({ model: id, remoteHost: host, device: 'wasm', browserCache: false, maxCharacters: 1_000_000 } as never),
      [models.url, MODEL_ID] as const,
    );
    expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
  });

  test.each([
    ['가', 80_000],
    ['a', 100_000],
    ['가', 400_000],
    ['a', 400_000],
  ])('"%s" x %i: rank gives finite scores, not a stack overflow', async (character, count) => {
    const result = await page.evaluate(([c, n, q, other]) => window.rerankerTest.rank(q, [c.repeat(n), other]), [character, count, KOREAN_QUERY, KOREAN_PASSAGES[0]!] as const);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) for (const r of result.ranked) expect(Number.isFinite(r.score)).toBe(true);
    // The same run as the query, tokenised whole.
    const asQuery = await page.evaluate(([c, n, other]) => window.rerankerTest.rank(c.repeat(n), [other]), [character, count, KOREAN_PASSAGES[0]!] as const);
    expect(asQuery.ok, JSON.stringify(asQuery)).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
