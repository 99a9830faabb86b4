/**
 * Jina's rerank API shares Cohere v1's path and request (`POST /v1/rerank` with model, query, documents,
 * top_n, return_documents); its clients also read `model` and `usage.total_tokens`. The answer carries
 * both, the ranking is the engine's, and total_tokens is what the tokenizer counts for the pairs.
 */
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { postJson, startTestServer } from './helpers.js';

const JINA_MODEL = 'jina-reranker-v2-base-multilingual';
const TOLERANCE = 1e-5;

let folder: string;
let engine: Reranker;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'fp32' });
  server = await startTestServer(
    { modelNames: [JINA_MODEL] },
    await EngineRunner.load({ model: folder, dtype: 'fp32' }),
  );
});
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

test("a Jina client's request: the engine's ranking, documents as text, the model it named and the tokens read", async () => {
  const documents = KOREAN_PASSAGES.slice(0, 4);
  const response = await postJson(`${server.url}/v1/rerank`, {
    model: JINA_MODEL,
    query: KOREAN_QUERY,
    documents: [documents[0], { text: documents[1] }, documents[2], { text: documents[3] }],
    top_n: 3,
    return_documents: true,
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    model: string;
    usage: { total_tokens: number };
    results: Array<{ index: number; relevance_score: number; document: { text: string } }>;
  };
  const expected = await engine.rank(KOREAN_QUERY, documents, { topK: 3 });
  expect(body.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
  body.results.forEach((r, i) => {
    expect(Math.abs(r.relevance_score - expected[i]!.score)).toBeLessThan(TOLERANCE);
    expect(r.document.text).toBe(documents[r.index]);
  });
  expect(body.model).toBe(JINA_MODEL);
  // Counted by the model's own tokenizer, pair by pair (all four pairs were read, not only the top 3).
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  let tokens = 0;
  for (const document of documents) tokens += tokenizer(KOREAN_QUERY, { text_pair: document }).input_ids.size;
  expect(body.usage.total_tokens).toBe(tokens);
});
