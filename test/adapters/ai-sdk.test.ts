/**
 * koRerank.reranking through the real `ai` package's rerank(): against the Node engine and against the
 * edge service (createRemoteReranker), string and object documents, topN, abort and metadata. The
 * expected rankings come from the engine called directly on the same texts.
 */
import { rerank } from 'ai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { koRerank } from '../../src/adapters/ai-sdk.js';
import { createRemoteReranker } from '../../src/client/edge-service-reranker.js';
import { Reranker } from '../../src/engine/index.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { startTestServer } from '../server/helpers.js';

const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];
const TOLERANCE = 1e-5;

let engine: Reranker;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'fp32' });
  server = await startTestServer({ maxDocuments: 1000 }, await EngineRunner.load({ model: folder, dtype: 'fp32' }));
});
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

function expectRanking(
  actual: Array<{ originalIndex: number; score: number }>,
  expected: Array<{ index: number; score: number }>,
) {
  expect(actual.map((r) => r.originalIndex)).toEqual(expected.map((r) => r.index));
  actual.forEach((r, i) => expect(Math.abs(r.score - expected[i]!.score)).toBeLessThan(TOLERANCE));
}

describe('rerank() of the ai package over the Node engine', () => {
  test('string documents: the engine ranking, topN, the documents reordered, metadata', async () => {
    const result = await rerank({
      model: koRerank.reranking(engine),
      query: KOREAN_QUERY,
      documents: PASSAGES,
      topN: 3,
    });
    const expected = await engine.rank(KOREAN_QUERY, PASSAGES, { topK: 3 });
    expectRanking(result.ranking, expected);
    expect(result.rerankedDocuments).toEqual(expected.map((r) => PASSAGES[r.index]));
    expect(result.providerMetadata?.['ko-rerank']).toMatchObject({
      backend: 'cpu',
      dtype: 'fp32',
      scored: PASSAGES.length,
      total: PASSAGES.length,
      elapsedMs: expect.any(Number),
    });
  });

  test('object documents: `text` by default, chosen fields joined, a serialisation without `text`', async () => {
    const objects = PASSAGES.map((text, i) => ({ id: i, title: `문서 ${i}`, text }));
    const byText = await rerank({ model: koRerank.reranking(engine), query: KOREAN_QUERY, documents: objects });
    expectRanking(byText.ranking, await engine.rank(KOREAN_QUERY, PASSAGES));
    expect(byText.rerankedDocuments[0]).toBe(objects[byText.ranking[0]!.originalIndex]); // the caller's objects

    const byFields = await rerank({
      model: koRerank.reranking(engine, { fields: ['title', 'text'] }),
      query: KOREAN_QUERY,
      documents: objects,
    });
    const joined = objects.map((o) => `${o.title}\n${o.text}`);
    expectRanking(byFields.ranking, await engine.rank(KOREAN_QUERY, joined));

    const untitled = PASSAGES.map((body, i) => ({ body, rank: i }));
    const serialised = await rerank({ model: koRerank.reranking(engine), query: KOREAN_QUERY, documents: untitled });
    const lines = untitled.map((o) => `body: ${o.body}\nrank: ${o.rank}`);
    expectRanking(serialised.ranking, await engine.rank(KOREAN_QUERY, lines));
  });

  test('a missing field is a typed error naming the document and the field; the engine still works', async () => {
    const documents = [{ title: 'a', text: 'b' }, { title: 'c' }];
    const call = rerank({
      model: koRerank.reranking(engine, { fields: ['title', 'text'] }),
      query: KOREAN_QUERY,
      documents,
      maxRetries: 0,
    });
    await expect(call).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('documents[1].text'),
    });
    expect(await engine.rank(KOREAN_QUERY, ['b'])).toHaveLength(1);
  });

  test('the abort signal stops the call with an AbortError', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `${i} ${longPassage(3)}`);
    const controller = new AbortController();
    const call = rerank({
      model: koRerank.reranking(engine),
      query: KOREAN_QUERY,
      documents: many,
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('headers are reported as unsupported, not dropped silently', async () => {
    const model = koRerank.reranking(engine);
    const answer = await model.doRerank({
      query: KOREAN_QUERY,
      documents: { type: 'text', values: PASSAGES.slice(0, 2) },
      headers: { 'x-trace': '1' },
    });
    expect(answer.warnings).toEqual([expect.objectContaining({ type: 'unsupported', feature: 'headers' })]);
    expect(model).toMatchObject({ specificationVersion: 'v3', provider: 'ko-rerank', modelId: engine.info.model });
  });
});

test('rerank() of the ai package over the edge service ranks like the engine', async () => {
  const remote = await createRemoteReranker({ endpoint: server.url });
  const result = await rerank({ model: koRerank.reranking(remote), query: KOREAN_QUERY, documents: PASSAGES, topN: 4 });
  expectRanking(result.ranking, await engine.rank(KOREAN_QUERY, PASSAGES, { topK: 4 }));
  expect(result.providerMetadata?.['ko-rerank']).toMatchObject({ backend: 'remote', scored: PASSAGES.length });
});
