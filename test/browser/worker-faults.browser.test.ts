/**
 * Faults around the worker, in real Chromium: every client promise settles with a typed error when the
 * worker is disposed under queued calls or dies; bad thread counts are refused or capped. (A worker that
 * cannot start, its runtime files broken or its download stalled: worker-assets.browser.test.ts.)
 * (Issue 10, items 2 and 10.) Times to the typed error are printed for the closing note.
 */
import type { Browser, Page, Worker as PageWorker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PRESETS } from '../../src/model-builder/presets.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { generatedModel, testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { launchChromium, openTestPage, startPageServer } from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';

let models: HubMirror;
let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  models = await startHubMirror({ models: { [MODEL_ID]: await testModel('tiny-xlmr') } });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
  ({ page } = await openTestPage(browser, pages.url));
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

const load = (extra: Record<string, unknown> = {}) =>
  page.evaluate(
    ([host, id, more]) =>
      window.rerankerTest.load({ model: id, remoteHost: host, browserCache: false, device: 'wasm', ...more } as never),
    [models.url, MODEL_ID, extra] as const,
  );

/** Enough work that later calls are still queued a moment after they were made. */
const manyPassages = Array.from({ length: 300 }, (_, i) => `${i} ${longPassage(4)}`);

/** The newest reranker worker: a worker of an earlier test may still be listed while its close is pending. */
function rerankerWorker(): PageWorker {
  const worker = page
    .workers()
    .filter((w) => w.url().includes('reranker.worker'))
    .at(-1);
  if (!worker)
    throw new Error(
      `no reranker worker among ${page
        .workers()
        .map((w) => w.url())
        .join(', ')}`,
    );
  return worker;
}

describe('every call settles', () => {
  test('dispose while five ranks are running or queued: all five reject with AbortError, nothing hangs', async () => {
    expect((await load()).ok).toBe(true);
    await page.evaluate(([q, docs]) => window.rerankerTest.startRanks(q, docs, 5), [
      KOREAN_QUERY,
      manyPassages,
    ] as const);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const disposedAt = await page.evaluate(() => window.rerankerTest.disposeNow());
    const outcomes = await page.evaluate(() => window.rerankerTest.settled());
    const latest = Math.max(...outcomes.map((o) => o.settledAt)) - disposedAt;
    console.log(`[faults] dispose under 5 ranks: all settled ${latest.toFixed(0)} ms after dispose()`);
    expect(outcomes).toHaveLength(5);
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ ok: false, error: { name: 'AbortError', code: 'ABORTED' } });
  });

  test('the worker is terminated mid-rank (as when killed for memory): running and queued calls reject with WORKER_CRASHED together, later calls get a new worker', async () => {
    expect((await load()).ok).toBe(true);
    await page.evaluate(([q, docs]) => window.rerankerTest.startRanks(q, docs, 3), [
      KOREAN_QUERY,
      manyPassages,
    ] as const);
    const killedAt = await page.evaluate(() => window.rerankerTest.now());
    // Ends the worker's context from outside, as the browser does when it kills a worker: no event fires.
    const killed = rerankerWorker();
    void killed.evaluate(() => (self as unknown as { close(): void }).close()).catch(() => undefined);
    const outcomes = await page.evaluate(() => window.rerankerTest.settled());
    console.log(
      `[faults] worker terminated under 3 ranks: all settled ${(Math.max(...outcomes.map((o) => o.settledAt)) - killedAt).toFixed(0)} ms after the kill`,
    );
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ ok: false, error: { name: 'WorkerCrashedError', code: 'WORKER_CRASHED' } });
    const settledAt = outcomes.map((o) => o.settledAt);
    console.log(
      `[faults] spread between the first and the last rejection: ${(Math.max(...settledAt) - Math.min(...settledAt)).toFixed(0)} ms`,
    );
    // The next calls go to a fresh worker loading the same model (issue 19 item 3, issue 25 item 7).
    const after = await page.evaluate(() => window.rerankerTest.afterDeath());
    expect(after.state).toMatchObject({ ok: true });
    expect(after.rank).toMatchObject({ ok: true });
    expect(after.dispose).toEqual({ ok: true });
    // The killed worker leaves the page's list once the browser reports its close (late on a loaded machine).
    await expect.poll(() => page.workers().includes(killed), { timeout: 30_000 }).toBe(false);
  });

  test('an uncaught error in the worker: pending calls reject with WORKER_CRASHED naming it', async () => {
    expect((await load()).ok).toBe(true);
    await page.evaluate(([q, docs]) => window.rerankerTest.startRanks(q, docs, 2), [
      KOREAN_QUERY,
      manyPassages,
    ] as const);
    // Awaited: the throw is scheduled in the worker that runs the ranks (a failure to reach it is loud).
    await rerankerWorker().evaluate(
      () =>
        void setTimeout(() => {
          throw new Error('boom inside the worker');
        }),
    );
    const outcomes = await page.evaluate(() => window.rerankerTest.settled());
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({
        ok: false,
        error: { code: 'WORKER_CRASHED', message: expect.stringContaining('boom inside the worker') },
      });
    const next = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
      KOREAN_QUERY,
      KOREAN_PASSAGES,
    ] as const);
    expect(next, JSON.stringify(next)).toMatchObject({ ok: true });
  });

  // Broken worker and runtime assets and a stalled download: worker-assets.browser.test.ts, in every engine.
});

describe('threads (cross-origin isolated page)', () => {
  test('1e6 threads is capped at hardwareConcurrency and loads; 0, -1 and NaN are refused with INVALID_INPUT', async () => {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const huge = await load({ threads: 1e6 });
    expect(huge.ok, JSON.stringify(huge)).toBe(true);
    if (huge.ok) expect(huge.ready.threads).toBe(cores);
    for (const threads of [0, -1, Number.NaN]) {
      const refused = await load({ threads });
      expect(refused, String(threads)).toMatchObject({
        ok: false,
        error: { name: 'InvalidInputError', code: 'INVALID_INPUT' },
      });
    }
    const ranked = await load({ threads: 1 });
    expect(ranked.ok && ranked.ready.threads).toBe(1);
    expect(
      (await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [KOREAN_QUERY, KOREAN_PASSAGES] as const))
        .ok,
    ).toBe(true);
  });
});

describe('an oversized batch (WASM)', () => {
  test('1,000 x 512 tokens with batchTokens 1e9: refused with INVALID_INPUT before any run; the next call works', async () => {
    expect((await load()).ok).toBe(true);
    const huge = Array.from({ length: 1000 }, (_, i) => `${i} ${longPassage(30)}`);
    const started = Date.now();
    const oversized = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs, { batchTokens: 1e9 }), [
      KOREAN_QUERY,
      huge,
    ] as const);
    console.log(
      `[faults] 1000 x 512 tokens, batchTokens 1e9: ${Date.now() - started} ms: ${JSON.stringify(oversized.ok ? 'ranked' : oversized.error)}`,
    );
    expect(oversized).toMatchObject({ ok: false, error: { name: 'InvalidInputError', code: 'INVALID_INPUT' } });
    const next = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
      KOREAN_QUERY,
      KOREAN_PASSAGES,
    ] as const);
    expect(next, JSON.stringify(next)).toMatchObject({ ok: true });
  });

  test('a batch within the bound that still exhausts the WASM heap: OutOfMemoryError, then a fresh worker serves the next call', async () => {
    // A tiny model with 64 heads: 128 rows x 512 tokens (the bound) need 8.6 GB for one attention-score
    // tensor, past what wasm32 can even address (onnxruntime fails on the size), yet everything before it
    // is cheap, so the run fails within seconds. (16 heads reach std::bad_alloc, but only after minutes.)
    const manyHeads = await generatedModel('tiny-xlmr-64-heads', {
      preset: { ...PRESETS['tiny-xlmr'], hiddenSize: 64, numHeads: 64 },
      seed: 7,
      dtypes: ['q8'],
    });
    const models2 = await startHubMirror({ models: { 'test-org/many-heads': manyHeads } });
    try {
      const loaded = await page.evaluate(
        ([host]) =>
          window.rerankerTest.load({
            model: 'test-org/many-heads',
            remoteHost: host,
            browserCache: false,
            device: 'wasm',
          } as never),
        [models2.url] as const,
      );
      expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
      const rows = Array.from({ length: 128 }, (_, i) => `${i} ${longPassage(30)}`);
      const started = Date.now();
      const failed = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs, { batchTokens: 65_536 }), [
        KOREAN_QUERY,
        rows,
      ] as const);
      console.log(
        `[faults] 128 x 512 tokens, 64 heads, batchTokens 65536: ${Date.now() - started} ms: ${JSON.stringify(failed.ok ? 'ranked' : failed.error)}`,
      );
      expect(failed).toMatchObject({
        ok: false,
        error: {
          name: 'OutOfMemoryError',
          code: 'OUT_OF_MEMORY',
          message: expect.stringContaining('lower batchTokens'),
        },
      });
      // Before the fix every later call in the worker failed with std::bad_alloc too.
      const next = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
        KOREAN_QUERY,
        KOREAN_PASSAGES,
      ] as const);
      expect(next, JSON.stringify(next)).toMatchObject({ ok: true, state: { backend: 'wasm' } });
    } finally {
      await models2.close();
    }
  });
});
