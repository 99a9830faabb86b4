/**
 * The service as a drop-in for Cohere's Rerank API (issue 20 item 9): by default it answers the model
 * names Cohere clients send (rerank-v3.5, ...) with the model it serves and logs each such name once;
 * every request field is honoured or refused with a 400 that names it, none silently ignored.
 */
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import type { LogEntry } from '../../src/server/options.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { postJson, startTestServer } from './helpers.js';

let reference: Reranker;
let server: Awaited<ReturnType<typeof startTestServer>>;
const logs: LogEntry[] = [];

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  reference = await Reranker.load({ model: folder, dtype: 'fp32' });
  // No modelNames: the defaults, as `npm run serve -- --model <folder>` starts it.
  server = await startTestServer(
    { log: (e) => logs.push(e) },
    await EngineRunner.load({ model: folder, dtype: 'fp32' }),
  );
});
afterAll(async () => {
  await server?.close();
  await reference?.dispose();
});

describe("Cohere's model names", () => {
  test('rerank-v3.5 through the v2 SDK is ranked by the served model, and logged once', async () => {
    const client = new CohereClientV2({ token: 'unused', environment: server.url });
    const request = { model: 'rerank-v3.5', query: KOREAN_QUERY, documents: KOREAN_PASSAGES };
    const first = await client.rerank(request);
    await client.rerank(request);
    const expected = await reference.rank(KOREAN_QUERY, KOREAN_PASSAGES);
    expect(first.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    const aliases = logs.filter((entry) => entry.event === 'model_alias');
    expect(aliases).toHaveLength(1);
    expect(aliases[0]!.detail).toMatch(/'rerank-v3\.5' \(allowed by 'rerank-\*'\)/);
  });

  test('v1 SDK with rerank-multilingual-v3.0 and return_documents gets the documents back', async () => {
    const client = new CohereClient({ token: 'unused', environment: server.url });
    const response = await client.rerank({
      model: 'rerank-multilingual-v3.0',
      query: KOREAN_QUERY,
      documents: KOREAN_PASSAGES,
      returnDocuments: true,
    });
    for (const result of response.results) expect(result.document?.text).toBe(KOREAN_PASSAGES[result.index]);
  });

  test('a name that is neither served nor Cohere-shaped is still 404', async () => {
    const response = await postJson(`${server.url}/v2/rerank`, { model: 'gpt-4', query: 'q', documents: ['d'] });
    expect(response.status).toBe(404);
  });
});

describe('every field honoured or refused', () => {
  const v1 = () => `${server.url}/v1/rerank`;
  const v2 = () => `${server.url}/v2/rerank`;
  const base = { model: 'rerank-v3.5', query: 'q', documents: ['a', 'b'] };

  test.each([
    ['v2 return_documents', v2, { return_documents: true }, /return_documents is not part of the v2.*\/v1\/rerank/],
    ['an unknown v2 field', v2, { temperature: 0 }, /unknown field temperature; v2 takes model, query/],
    ['an unknown v1 field', v1, { max_tokens_per_doc: 10 }, /unknown field max_tokens_per_doc; v1 takes/],
    ['v1 rank_fields other than text', v1, { rank_fields: ['title'] }, /rank_fields other than \["text"\]/],
    ['v1 max_chunks_per_doc', v1, { max_chunks_per_doc: 3 }, /max_chunks_per_doc is not supported/],
    ['a negative v2 priority', v2, { priority: -1 }, /priority must be a non-negative integer/],
  ])('%s: 400 naming it', async (_name, url, extra, message) => {
    const response = await postJson(url(), { ...base, ...extra });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  test.each([
    ['v2 priority', v2, { priority: 3 }],
    ['v1 rank_fields ["text"]', v1, { rank_fields: ['text'], documents: [{ text: 'a' }, { text: 'b' }] }],
  ])('%s: accepted', async (_name, url, extra) => {
    const response = await postJson(url(), { ...base, ...extra });
    expect(response.status).toBe(200);
  });
});
