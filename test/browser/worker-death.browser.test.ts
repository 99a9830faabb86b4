/**
 * A reranker worker that stops while ranks wait on it, in every engine (BROWSER_ENGINE), without CDP:
 * the worker itself stops through a test seam (simulateWorkerFault, worker/simulated-faults.ts) and
 * the page recovers by the product's own path. Every pending call rejects with WorkerCrashedError at
 * once, and the next call is answered by a fresh worker (issue 19 item 3, issue 25 item 7).
 * - close: its context ends, no event fires (the Web Lock lifeline sees it);
 * - throw: an uncaught error (the error event, with its message);
 * - stuck: it never yields (the heartbeat falls silent);
 * - stuck-loading: its thread stops while the model loads (createReranker gives it one fresh try);
 * - heap-exhaustion: it allocates until its JS heap limit. Measured here: Firefox's worker then spins in
 *   garbage collection for good (no event, its lock held: the heartbeat sees it); Chromium's V8 ends the
 *   whole renderer, page and all ("Target crashed", with or without --js-flags=--max-old-space-size), so
 *   nothing in the page can answer and only the memory fit's refusal (memory.browser.test.ts) protects.
 * Times to the typed error are printed for the closing note.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HEARTBEAT_GRACE_MS } from '../../src/worker/heartbeat.js';
import { HEAP_EXHAUSTION_CHANNEL } from '../../src/worker/simulated-faults.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { ENGINE, type TestBrowser, type TestPage, launchBrowser, openEnginePage, startPageServer } from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';
/** Firefox's JS heap limit per runtime (MB; workers included) for the heap-exhaustion case. */
const FIREFOX_HEAP_LIMIT_MB = 256;

let models: HubMirror;
let browser: TestBrowser;
let pages: { url: string; close(): Promise<void> };
let page: TestPage;

beforeAll(async () => {
  models = await startHubMirror({ models: { [MODEL_ID]: await testModel('tiny-xlmr') } });
  pages = await startPageServer({ isolated: true });
  browser = await launchBrowser({ firefoxPrefs: { 'javascript.options.mem.max': FIREFOX_HEAP_LIMIT_MB } });
  page = await openEnginePage(browser, pages.url);
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

/** Enough work that the ranks are still pending when the fault strikes. */
const manyPassages = Array.from({ length: 300 }, (_, i) => `${i} ${longPassage(4)}`);

type Fault = 'close' | 'throw' | 'stuck' | 'heap-exhaustion';

/** Loads with the fault armed, starts three ranks (the first sets it off), and collects how they ended. */
async function ranksUnder(fault: Fault) {
  const loaded = await page.evaluate(
    ([host, id, simulateWorkerFault]) =>
      window.rerankerTest.load({
        model: id,
        remoteHost: host,
        browserCache: false,
        device: 'wasm',
        simulateWorkerFault,
      } as never),
    [models.url, MODEL_ID, fault] as const,
  );
  expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
  const startedAt = await page.evaluate(([q, docs]) => window.rerankerTest.startRanks(q, docs, 3), [
    KOREAN_QUERY,
    manyPassages,
  ] as const);
  const outcomes = await page.evaluate(() => window.rerankerTest.settled());
  const settledAt = outcomes.map((o) => o.settledAt);
  console.log(
    `[worker-death] ${ENGINE} ${fault}: 3 pending ranks settled ${(Math.max(...settledAt) - startedAt).toFixed(0)} ms after they started (spread ${(Math.max(...settledAt) - Math.min(...settledAt)).toFixed(0)} ms): ${JSON.stringify(outcomes[0]?.error?.message)}`,
  );
  return outcomes;
}

/** The same reranker answers the next calls from a fresh worker. */
async function nextCallsWork() {
  const next = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
    KOREAN_QUERY,
    KOREAN_PASSAGES,
  ] as const);
  expect(next, JSON.stringify(next)).toMatchObject({ ok: true, state: { backend: 'wasm' } });
  if (next.ok) expect(next.ranked).toHaveLength(KOREAN_PASSAGES.length);
}

const crashed = (message: RegExp) => ({
  ok: false,
  error: {
    name: 'WorkerCrashedError',
    className: 'WorkerCrashedError',
    code: 'WORKER_CRASHED',
    message: expect.stringMatching(message),
  },
});

describe('a worker that stops while three ranks wait on it', () => {
  test('its context ends (close, no event): all three reject with WORKER_CRASHED, the next call works', async () => {
    const outcomes = await ranksUnder('close');
    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) expect(outcome).toMatchObject(crashed(/stopped \(terminated, or killed/));
    await nextCallsWork();
  });

  test('an uncaught error: all three reject with WORKER_CRASHED naming it, the next call works', async () => {
    const outcomes = await ranksUnder('throw');
    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) expect(outcome).toMatchObject(crashed(/simulated uncaught error/));
    await nextCallsWork();
  });

  test(
    'it never yields again: all three reject with WORKER_CRASHED once the heartbeat is silent past its grace, the next call works',
    async () => {
      const outcomes = await ranksUnder('stuck');
      expect(outcomes).toHaveLength(3);
      for (const outcome of outcomes) expect(outcome).toMatchObject(crashed(/stopped answering \(silent for \d+ ms/));
      await nextCallsWork();
    },
    60_000 + HEARTBEAT_GRACE_MS,
  );

  test.skipIf(ENGINE !== 'firefox')(
    `its JS heap is exhausted (Firefox, javascript.options.mem.max ${FIREFOX_HEAP_LIMIT_MB} MB): all three reject with WORKER_CRASHED, the next call works`,
    async () => {
      // The worker reports every 100,000 objects it holds: the reports stop where its heap is spent.
      await page.evaluate((channel) => {
        const seen = ((window as unknown as { hoard: { objects: number; at: number } }).hoard = { objects: 0, at: 0 });
        new BroadcastChannel(channel).onmessage = (event: MessageEvent<number>) =>
          Object.assign(seen, { objects: event.data, at: performance.now() });
      }, HEAP_EXHAUSTION_CHANNEL);
      const outcomes = await ranksUnder('heap-exhaustion');
      const hoard = await page.evaluate(() => (window as unknown as { hoard: { objects: number; at: number } }).hoard);
      const settledAt = Math.min(...outcomes.map((o) => o.settledAt));
      console.log(
        `[worker-death] firefox heap-exhaustion: the worker stopped allocating at ${hoard.objects} objects, ${(settledAt - hoard.at).toFixed(0)} ms before the calls were failed`,
      );
      // It allocated, then stopped while never yielding (the heap limit), well before the heartbeat's grace ran out.
      expect(hoard.objects).toBeGreaterThan(0);
      expect(settledAt - hoard.at).toBeGreaterThan(HEARTBEAT_GRACE_MS / 2);
      expect(outcomes).toHaveLength(3);
      for (const outcome of outcomes) expect(outcome).toMatchObject(crashed(/stopped answering/));
      await nextCallsWork();
    },
    120_000 + HEARTBEAT_GRACE_MS,
  );
});

describe('a worker whose thread stops while it loads', () => {
  test('createReranker gives it one fresh try: the load succeeds in a second worker and ready.fallbacks says why', async () => {
    const workersBefore = await page.evaluate(() => window.rerankerTest.workersStarted());
    const started = Date.now();
    const loaded = await page.evaluate(
      ([host, id]) =>
        window.rerankerTest.load({
          model: id,
          remoteHost: host,
          browserCache: false,
          device: 'wasm',
          simulateWorkerFault: 'stuck-loading',
        } as never),
      [models.url, MODEL_ID] as const,
    );
    const tookMs = Date.now() - started;
    console.log(`[worker-death] ${ENGINE} stuck while loading: ready in a fresh worker after ${tookMs} ms`);
    expect(loaded, JSON.stringify(loaded)).toMatchObject({
      ok: true,
      ready: {
        backend: 'wasm',
        fallbacks: [{ backend: 'wasm', error: expect.stringMatching(/stopped answering \(silent for \d+ ms/) }],
      },
    });
    // The held worker, then the one that loaded: not a third.
    expect((await page.evaluate(() => window.rerankerTest.workersStarted())) - workersBefore).toBe(2);
    // The load's announced bound (10 s for this 1 MB model) and the grace passed first.
    expect(tookMs).toBeGreaterThan(10_000 + HEARTBEAT_GRACE_MS);
    await nextCallsWork();
  }, 90_000);
});
