/**
 * Engine faults of issue 10 as they show in the Web Worker (real Chromium, WASM): long unspaced text
 * (item 4), whose stack limit is lower in a worker than in Node, and stalled downloads (item 8),
 * which there go through transformers.js's fetch.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { launchChromium, openTestPage, startPageServer } from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';

let models: HubMirror;
let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  const stalled = ['slow-headers', 'slow-body', 'stalled-body'].map((id) => [`test-org/${id}`, folder]);
  models = await startHubMirror({ models: { [MODEL_ID]: folder, ...Object.fromEntries(stalled) } });
  models.setFault(/^test-org\/slow-headers\/onnx\//, { kind: 'slow', delayMs: 60_000 });
  models.setFault(/^test-org\/slow-body\/onnx\//, { kind: 'slow', delayMs: 0, chunkDelayMs: 60_000 });
  models.setFault(/^test-org\/stalled-body\/onnx\//, { kind: 'stalled-body', bytes: 10_000 });
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
      ([host, id]) =>
        window.rerankerTest.load({
          model: id,
          remoteHost: host,
          device: 'wasm',
          browserCache: false,
          maxCharacters: 1_000_000,
        } as never),
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
    const result = await page.evaluate(([c, n, q, other]) => window.rerankerTest.rank(q, [c.repeat(n), other]), [
      character,
      count,
      KOREAN_QUERY,
      KOREAN_PASSAGES[0]!,
    ] as const);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) for (const r of result.ranked) expect(Number.isFinite(r.score)).toBe(true);
    // The same run as the query, tokenised whole.
    const asQuery = await page.evaluate(([c, n, other]) => window.rerankerTest.rank(c.repeat(n), [other]), [
      character,
      count,
      KOREAN_PASSAGES[0]!,
    ] as const);
    expect(asQuery.ok, JSON.stringify(asQuery)).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});

describe('stalled downloads in the worker (item 8)', () => {
  // The phase in the message is what the worker's fetch saw: Chromium may hold back the headers of a
  // download while an earlier request for the same file (transformers.js's Range probe) is stalled.
  test.each([
    ['slow headers', 'slow-headers'],
    ['slow body', 'slow-body'],
    ['Content-Length larger than the body', 'stalled-body'],
  ])('%s: createReranker rejects with DOWNLOAD_STALLED naming the file', async (label, id) => {
    const started = performance.now();
    const loaded = await page.evaluate(
      ([host, model]) =>
        window.rerankerTest.load({
          model,
          remoteHost: host,
          device: 'wasm',
          browserCache: false,
          stallTimeoutMs: 500,
        } as never),
      [models.url, `test-org/${id}`] as const,
    );
    console.log(
      `[browser stall] ${label}: typed error after ${(performance.now() - started).toFixed(0)} ms (stallTimeoutMs 500)`,
    );
    expect(loaded).toMatchObject({
      ok: false,
      error: {
        name: 'ModelLoadError',
        className: 'ModelLoadError',
        code: 'DOWNLOAD_STALLED',
        file: 'onnx/model_quantized.onnx',
      },
    });
    if (!loaded.ok)
      expect(loaded.error.message).toMatch(
        /^the download of onnx\/model_quantized\.onnx stalled: no (response headers|data) arrived.* for 500 ms$/,
      );
  });
});
