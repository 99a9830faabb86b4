/** createReranker({ endpoint }): the client API backed by the service, checked against the engine alone. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createReranker } from '../../src/client/create-reranker.js';
import type { RemoteReranker } from '../../src/client/edge-service-reranker.js';
import { AbortedError, InvalidInputError, Reranker, RerankerError } from '../../src/engine/index.js';
import { maxAbsDiff } from '../helpers/batches.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, ENGLISH_QUERY, KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { startTestServer, until, watchedRunner } from './helpers.js';

const KEY = 'remote-key';
const TOLERANCE = 1e-5;
let reference: Reranker;
let server: Awaited<ReturnType<typeof startTestServer>>;
let watched: Awaited<ReturnType<typeof watchedRunner>>;
let remote: RemoteReranker;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  reference = await Reranker.load({ model: folder, dtype: 'fp32' });
  watched = await watchedRunner(folder, 'fp32');
  server = await startTestServer({ apiKey: KEY }, watched.runner);
  remote = await createReranker({ endpoint: server.url, apiKey: KEY });
});
afterAll(async () => {
  watched?.release();
  await server?.close();
  await reference?.dispose();
});

test('ready describes the served model', () => {
  expect(remote.ready).toMatchObject({
    backend: 'remote',
    endpoint: server.url,
    dtype: 'fp32',
    maxLength: 512,
    architecture: 'XLMRobertaForSequenceClassification',
  });
});

test.each([
  {},
  { topK: 3, returnDocuments: true },
  { activation: 'softmax' as const },
  { activation: 'none' as const },
])('rank(%o) equals the engine alone', async (options) => {
  const got = await remote.rank(KOREAN_QUERY, KOREAN_PASSAGES, options);
  const expected = await reference.rank(KOREAN_QUERY, KOREAN_PASSAGES, options);
  // Both empty would pass every comparison below: the count is known from the options alone.
  expect(got).toHaveLength(('topK' in options && options.topK) || KOREAN_PASSAGES.length);
  expect(got.map((r) => r.index)).toEqual(expected.map((r) => r.index));
  expect(
    maxAbsDiff(
      got.map((r) => r.score),
      expected.map((r) => r.score),
    ),
  ).toBeLessThan(TOLERANCE);
  expect(got.map((r) => r.document)).toEqual(expected.map((r) => r.document));
});

test('rankDetailed gives the engine report shape with the same ranking; budgets and other long-passage modes are refused', async () => {
  let partials = 0;
  const report = await remote.rankDetailed(KOREAN_QUERY, KOREAN_PASSAGES, { topK: 2, onPartial: () => partials++ });
  const expected = await reference.rankDetailed(KOREAN_QUERY, KOREAN_PASSAGES, { topK: 2 });
  expect(report).toMatchObject({
    final: true,
    scored: KOREAN_PASSAGES.length,
    total: KOREAN_PASSAGES.length,
    unscored: [],
    cacheHits: 0,
  });
  expect(report.results.map((r) => r.index)).toEqual(expected.results.map((r) => r.index));
  expect(partials).toBe(0);
  await expect(remote.rankDetailed(KOREAN_QUERY, KOREAN_PASSAGES, { budgetMs: 100 })).rejects.toMatchObject({
    code: 'INVALID_INPUT',
    message: expect.stringContaining('budgetMs'),
  });
  await expect(remote.rank(KOREAN_QUERY, KOREAN_PASSAGES, { longPassages: 'focus' })).rejects.toMatchObject({
    code: 'INVALID_INPUT',
    message: expect.stringContaining('focus'),
  });
});

test('score() over pairs with two queries equals the engine, in input order', async () => {
  const pairs: Array<[string, string]> = [
    ...KOREAN_PASSAGES.map((p): [string, string] => [KOREAN_QUERY, p]),
    ...ENGLISH_PASSAGES.map((p): [string, string] => [ENGLISH_QUERY, p]),
  ].sort((a, b) => a[1].length - b[1].length); // queries interleaved
  const got = await remote.score(pairs);
  const expected = await reference.score(pairs);
  expect(got).toHaveLength(pairs.length);
  expect(maxAbsDiff(got, expected)).toBeLessThan(TOLERANCE);
});

test('typed errors: bad input locally, unsupported options, wrong key, disposed', async () => {
  await expect(remote.rank('', ['a'])).rejects.toBeInstanceOf(InvalidInputError);
  await expect(remote.rank('q', ['a'], { maxLength: 64 })).rejects.toBeInstanceOf(InvalidInputError);
  await expect(createReranker({ endpoint: server.url, apiKey: 'wrong' })).rejects.toThrow(/401/);
  const other = await createReranker({ endpoint: server.url, apiKey: KEY });
  await other.dispose();
  await expect(other.rank('q', ['a'])).rejects.toMatchObject({ code: 'DISPOSED' });
  expect(await remote.rank('q', [])).toEqual([]);
});

test('aborting a call rejects with AbortedError and the service drops its queued pairs', async () => {
  watched.hold();
  const seenBefore = watched.seen.length;
  try {
    const blocking = remote.rank(KOREAN_QUERY, ['막는 문서']);
    await watched.started(watched.runs() + 1);
    const controller = new AbortController();
    const call = remote.rank(KOREAN_QUERY, KOREAN_PASSAGES, { signal: controller.signal });
    const queuedPairs = async (n: number) =>
      (await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text()).includes(
        `rerank_queue_pairs ${n}\n`,
      );
    expect(await until(() => queuedPairs(1 + KOREAN_PASSAGES.length))).toBe(true);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortedError);
    expect(await until(() => queuedPairs(1))).toBe(true); // the service saw the disconnect
    watched.release();
    await blocking;
    expect(watched.seen.length - seenBefore).toBe(1);
  } finally {
    watched.release();
  }
});

test('the service being unreachable is an InferenceError, not a hang', async () => {
  const closed = await createReranker({ endpoint: server.url, apiKey: KEY });
  const error = await closed.rank('q', ['a']).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeNull(); // sanity: reachable now
  const unreachable = createReranker({ endpoint: 'http://127.0.0.1:9', apiKey: KEY });
  await expect(unreachable).rejects.toBeInstanceOf(RerankerError);
  await expect(unreachable).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
});
