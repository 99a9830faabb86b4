/**
 * Issue 25 item 1: an aborted call rejects with AbortError whatever path it takes. A call aborted while it
 * waits behind another, whose pairs the other fills into the score cache, never runs the model: it must
 * still reject, not be fulfilled from the cache.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AbortedError, Reranker } from '../../src/engine/index.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

let reranker: Reranker;
beforeAll(async () => {
  reranker = await Reranker.load({ model: await testModel('tiny-xlmr'), dtype: 'fp32' });
});
afterAll(() => reranker?.dispose());

const settle = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ fulfilled: value }),
    (error: unknown) => ({ rejected: error }),
  );

test.each([
  ['rank', (signal?: AbortSignal) => reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, { signal })],
  ['rankDetailed', (signal?: AbortSignal) => reranker.rankDetailed(KOREAN_QUERY, KOREAN_PASSAGES, { signal })],
  [
    'score',
    (signal?: AbortSignal) =>
      reranker.score(
        KOREAN_PASSAGES.map((passage) => [KOREAN_QUERY, passage]),
        { signal },
      ),
  ],
])('%s aborted while waiting behind a call that caches all its pairs rejects with AbortError', async (_, call) => {
  const first = call();
  const controller = new AbortController();
  const second = settle(call(controller.signal));
  controller.abort();
  expect(await first).toBeDefined();
  const outcome = await second;
  expect(outcome).toEqual({ rejected: expect.any(AbortedError) });
  expect((outcome as { rejected: Error }).rejected.name).toBe('AbortError');
  // The pairs are cached: the same call without an abort is answered from the cache.
  const before = reranker.cacheStats().hits;
  await call();
  expect(reranker.cacheStats().hits).toBe(before + KOREAN_PASSAGES.length);
});

test('aborted while waiting, then every pair a cache hit: rejects even when nothing at all would run', async () => {
  await reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES); // everything cached now
  const blocker = reranker.rank(`${KOREAN_QUERY} 다른 질문`, KOREAN_PASSAGES);
  const controller = new AbortController();
  const waiting = settle(reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, { signal: controller.signal }));
  controller.abort();
  await blocker;
  expect(await waiting).toEqual({ rejected: expect.any(AbortedError) });
});
