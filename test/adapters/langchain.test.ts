/**
 * KoRerankCompressor against @langchain/core's contract: a BaseDocumentCompressor that reorders and
 * cuts Documents by the engine's ranking, keeps their metadata and ids, adds relevanceScore, and leaves
 * the caller's documents untouched.
 */
import { Document } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KoRerankCompressor } from '../../src/adapters/langchain.js';
import { Reranker } from '../../src/engine/index.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];

let engine: Reranker;
beforeAll(async () => {
  engine = await Reranker.load({ model: await testModel('tiny-xlmr'), dtype: 'fp32' });
});
afterAll(async () => {
  await engine?.dispose();
});

const documents = () =>
  PASSAGES.map((pageContent, i) => new Document({ pageContent, metadata: { source: `doc-${i}` }, id: `id-${i}` }));

test('compressDocuments: the best topN (3 by default) in the engine order, metadata and ids kept, score added', async () => {
  const compressor = new KoRerankCompressor({ reranker: engine });
  expect(BaseDocumentCompressor.isBaseDocumentCompressor(compressor)).toBe(true);
  const input = documents();
  const kept = await compressor.compressDocuments(input, KOREAN_QUERY);
  const expected = await engine.rank(KOREAN_QUERY, PASSAGES, { topK: 3 });
  expect(kept).toHaveLength(3);
  kept.forEach((document, i) => {
    const { index, score } = expected[i]!;
    expect(document).toBeInstanceOf(Document);
    expect(document.pageContent).toBe(PASSAGES[index]);
    expect(document.id).toBe(`id-${index}`);
    expect(document.metadata).toEqual({ source: `doc-${index}`, relevanceScore: expect.closeTo(score, 5) });
  });
  expect(input.every((document) => !('relevanceScore' in document.metadata))).toBe(true);
});

test('rerank gives indices and scores like CohereRerank.rerank; topN per call; an empty list is empty', async () => {
  const compressor = new KoRerankCompressor({ reranker: engine, topN: 2 });
  const ranked = await compressor.rerank(PASSAGES, KOREAN_QUERY, { topN: 5 });
  const expected = await engine.rank(KOREAN_QUERY, PASSAGES, { topK: 5 });
  expect(ranked.map((r) => r.index)).toEqual(expected.map((r) => r.index));
  expect(await compressor.compressDocuments([], KOREAN_QUERY)).toEqual([]);
  await expect(
    new KoRerankCompressor({ reranker: engine, topN: 0 }).compressDocuments(documents(), 'q'),
  ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
});
