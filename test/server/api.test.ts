/**
 * The service's HTTP APIs against the engine called directly: Cohere v1/v2 through the official
 * `cohere-ai` SDK, TEI through fetch; each API's error shapes and statuses; health, info, metrics,
 * key, CORS and logs.
 */
import path from 'node:path';
import { CohereClient, CohereClientV2, CohereError } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { serveNode } from '../../src/server/node-adapter.js';
import type { LogEntry } from '../../src/server/options.js';
import { createRerankService } from '../../src/server/service.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { postJson, startTestServer } from './helpers.js';

const KEY = 'test-key-1234';
const ORIGIN = 'https://app.example';
const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];
/** fp32 rows batched differently agree to float rounding; anything larger is a different computation. */
const TOLERANCE = 1e-5;

let folder: string;
let reference: Reranker;
let server: Awaited<ReturnType<typeof startTestServer>>;
const logs: LogEntry[] = [];
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  reference = await Reranker.load({ model: folder, dtype: 'fp32' });
  const runner = await EngineRunner.load({ model: folder, dtype: 'fp32' });
  server = await startTestServer(
    { apiKey: KEY, corsOrigins: [ORIGIN], modelNames: ['ko-rerank-test'], log: (e) => logs.push(e) },
    runner,
  );
});
afterAll(async () => {
  await server?.close();
  await reference?.dispose();
});

function expectSameRanking(
  actual: Array<{ index: number; score: number }>,
  expected: Array<{ index: number; score: number }>,
) {
  expect(actual.map((r) => r.index)).toEqual(expected.map((r) => r.index));
  actual.forEach((r, i) => expect(Math.abs(r.score - expected[i]!.score)).toBeLessThan(TOLERANCE));
}

describe('Cohere API through the official cohere-ai SDK', () => {
  test('v2 client (base URL = this server) ranks like the engine alone', async () => {
    const client = new CohereClientV2({ token: KEY, environment: server.url });
    const response = await client.rerank({
      model: 'ko-rerank-test',
      query: KOREAN_QUERY,
      documents: PASSAGES,
      topN: 4,
    });
    const expected = await reference.rank(KOREAN_QUERY, PASSAGES, { topK: 4 });
    console.log(
      'cohere-ai v2 SDK ->',
      JSON.stringify({ id: response.id, results: response.results, meta: response.meta }),
    );
    expectSameRanking(
      response.results.map((r) => ({ index: r.index, score: r.relevanceScore })),
      expected,
    );
    expect(response.meta?.apiVersion?.version).toBe('2');
  });

  test('v1 client with returnDocuments gets the texts back', async () => {
    const client = new CohereClient({ token: KEY, environment: server.url });
    const response = await client.rerank({ query: KOREAN_QUERY, documents: PASSAGES, returnDocuments: true, topN: 3 });
    const expected = await reference.rank(KOREAN_QUERY, PASSAGES, { topK: 3 });
    expectSameRanking(
      response.results.map((r) => ({ index: r.index, score: r.relevanceScore })),
      expected,
    );
    for (const r of response.results) expect(r.document?.text).toBe(PASSAGES[r.index]);
  });

  test('v2 max_tokens_per_doc cuts each document to that many tokens, as the engine does with the same pair limit', async () => {
    const passages = [longPassage(5), longPassage(8), KOREAN_PASSAGES[0]!];
    const client = new CohereClientV2({ token: KEY, environment: server.url });
    const cut = await client.rerank({
      model: 'ko-rerank-test',
      query: KOREAN_QUERY,
      documents: passages,
      maxTokensPerDoc: 6,
    });
    const model = server.service.model()!;
    const maxLength = model.encode(KOREAN_QUERY, [], 512).queryTokens + 6 + model.pairSpecialTokens;
    const expected = await reference.rank(KOREAN_QUERY, passages, { maxLength });
    expectSameRanking(
      cut.results.map((r) => ({ index: r.index, score: r.relevanceScore })),
      expected,
    );
    const uncut = await reference.rank(KOREAN_QUERY, passages);
    expect(uncut.map((r) => r.score)).not.toEqual(expected.map((r) => r.score)); // the limit changed something
  });

  test('SDK errors carry the documented statuses: wrong key 401, unknown model 404, invalid body 400', async () => {
    const statusOf = async (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (e: unknown) => (e instanceof CohereError ? e.statusCode : -1),
      );
    const wrongKey = new CohereClientV2({ token: 'nope', environment: server.url });
    expect(await statusOf(wrongKey.rerank({ model: 'ko-rerank-test', query: 'q', documents: ['d'] }))).toBe(401);
    const client = new CohereClientV2({ token: KEY, environment: server.url });
    expect(await statusOf(client.rerank({ model: 'rerank-v3.5', query: 'q', documents: ['d'] }))).toBe(404);
    expect(await statusOf(client.rerank({ model: 'ko-rerank-test', query: ' ', documents: ['d'] }))).toBe(400);
    expect(await statusOf(client.rerank({ model: 'ko-rerank-test', query: 'q', documents: [] }))).toBe(400);
    expect(await statusOf(client.rerank({ model: 'ko-rerank-test', query: 'q', documents: ['d'], topN: 0 }))).toBe(400);
  });
});

describe('Cohere error bodies over plain HTTP', () => {
  const v2 = () => `${server.url}/v2/rerank`;
  test.each([
    ['malformed JSON', '{"query": ', 400, /not valid JSON/],
    ['a non-object body', '[1,2]', 400, /JSON object/],
    ['no model in v2', JSON.stringify({ query: 'q', documents: ['d'] }), 400, /model is required/],
    [
      'a non-string document',
      JSON.stringify({ model: 'ko-rerank-test', query: 'q', documents: ['d', 7] }),
      400,
      /documents\[1\]/,
    ],
    [
      'top_n not an integer',
      JSON.stringify({ model: 'ko-rerank-test', query: 'q', documents: ['d'], top_n: 1.5 }),
      400,
      /top_n/,
    ],
    [
      'more documents than allowed',
      JSON.stringify({ model: 'ko-rerank-test', query: 'q', documents: Array(1001).fill('d') }),
      400,
      /limit is 1000/,
    ],
  ])('%s -> %i { message }', async (_name, body, status, message) => {
    const response = await fetch(v2(), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(status);
    const json = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['message']);
    expect(json['message']).toMatch(message);
  });

  test('a body over the byte limit is 413 before it is parsed', async () => {
    const response = await postJson(
      v2(),
      { model: 'ko-rerank-test', query: 'q', documents: ['가'.repeat(2_000_000)] },
      auth,
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: expect.stringMatching(/limit/) });
  });

  test('a streamed (chunked) body over the limit is cut off with 413, and the answer arrives', async () => {
    const chunk = new TextEncoder().encode(`"${'가'.repeat(100_000)}",`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) =>
        controller.enqueue(new TextEncoder().encode('{"model":"ko-rerank-test","query":"q","documents":[')),
      pull: (controller) => {
        // 20 x 300 kB = 6 MB, over the 4 MiB limit; bounded, and closed in case nobody stops reading.
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(v2(), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: expect.stringMatching(/over the limit/) });
  });

  test('a top_n above the list is clamped, as Cohere does', async () => {
    const response = await postJson(
      v2(),
      { model: 'ko-rerank-test', query: KOREAN_QUERY, documents: PASSAGES.slice(0, 3), top_n: 10 },
      auth,
    );
    expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(3);
  });
});

describe('TEI /rerank', () => {
  const tei = () => `${server.url}/rerank`;
  test('raw_scores are the engine logits, sorted best first; return_text returns each text', async () => {
    const response = await postJson(
      tei(),
      { query: KOREAN_QUERY, texts: PASSAGES, raw_scores: true, return_text: true },
      auth,
    );
    expect(response.status).toBe(200);
    const results = (await response.json()) as Array<{ index: number; score: number; text: string }>;
    expectSameRanking(results, await reference.rank(KOREAN_QUERY, PASSAGES, { activation: 'none' }));
    for (const r of results) expect(r.text).toBe(PASSAGES[r.index]);
  });

  test('default scores are sigmoids and carry no text', async () => {
    const results = (await (await postJson(tei(), { query: KOREAN_QUERY, texts: PASSAGES }, auth)).json()) as Array<
      Record<string, number>
    >;
    expectSameRanking(results as Array<{ index: number; score: number }>, await reference.rank(KOREAN_QUERY, PASSAGES));
    expect(results[0]).not.toHaveProperty('text');
  });

  test('a pair over the model limit: 413 without truncate, truncated like the engine with it', async () => {
    const texts = [longPassage(60), KOREAN_PASSAGES[0]!];
    const refused = await postJson(tei(), { query: KOREAN_QUERY, texts }, auth);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      error: expect.stringMatching(/must have less than 512 tokens/),
      error_type: 'validation',
    });
    const cut = await postJson(
      tei(),
      { query: KOREAN_QUERY, texts, truncate: true, truncation_direction: 'Right' },
      auth,
    );
    expectSameRanking(
      (await cut.json()) as Array<{ index: number; score: number }>,
      await reference.rank(KOREAN_QUERY, texts),
    );
  });

  test.each([
    ['malformed JSON', '{"query"', 400, 'validation'],
    ['an empty texts list', JSON.stringify({ query: 'q', texts: [] }), 400, 'empty'],
    ['an empty query', JSON.stringify({ query: '', texts: ['a'] }), 400, 'empty'],
    ['a missing query', JSON.stringify({ texts: ['a'] }), 422, 'validation'],
    ['a non-string text', JSON.stringify({ query: 'q', texts: [1] }), 422, 'validation'],
    ['too many texts', JSON.stringify({ query: 'q', texts: Array(1001).fill('a') }), 413, 'validation'],
    [
      'an unknown truncation_direction',
      JSON.stringify({ query: 'q', texts: ['a'], truncation_direction: 'Up' }),
      422,
      'validation',
    ],
  ])('%s -> %i error_type %s', async (_name, body, status, errorType) => {
    const response = await fetch(tei(), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: expect.any(String), error_type: errorType });
  });

  test('no key: 401 in TEI shape', async () => {
    const response = await postJson(tei(), { query: 'q', texts: ['a'] });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error_type: 'unauthorized' });
  });
});

describe('service routes, security and logs', () => {
  test('/health needs no key; /info and /metrics do', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/info`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const info = (await (await fetch(`${server.url}/info`, { headers: auth })).json()) as Record<string, unknown>;
    // The model was given as a folder: /info names it without the path on disk.
    expect(JSON.stringify(info)).not.toContain(path.dirname(folder));
    expect(info).toMatchObject({
      model_id: path.basename(folder),
      max_input_length: 512,
      max_client_batch_size: 1000,
      cross_request_batching: true,
      state: 'ready',
      // A generated test model: /info says so, for UIs that must label its scores.
      generated_by: expect.stringContaining('random weights'),
    });
  });

  test('/metrics: requests by route and status, latency histogram, queue, batches, tokens', async () => {
    await postJson(`${server.url}/rerank`, { query: KOREAN_QUERY, texts: PASSAGES }, auth);
    await postJson(`${server.url}/rerank`, { query: 'q', texts: [] }, auth);
    const response = await fetch(`${server.url}/metrics`, { headers: auth });
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const value = (line: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${line} `))
          ?.split(' ')[1],
      );
    expect(value('rerank_http_requests_total{route="/rerank",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(value('rerank_http_requests_total{route="/rerank",status="400"}')).toBeGreaterThanOrEqual(1);
    expect(value('rerank_http_request_duration_seconds_count{route="/rerank"}')).toBeGreaterThanOrEqual(2);
    expect(value('rerank_queue_pairs')).toBe(0);
    expect(value('rerank_batch_pairs_count')).toBeGreaterThanOrEqual(1);
    expect(value('rerank_tokens_total')).toBeGreaterThan(0);
    expect(value('rerank_tokens_per_second')).toBeGreaterThan(0);
  });

  test('wrong methods and routes: 405 with Allow, 404', async () => {
    const get = await fetch(`${server.url}/v2/rerank`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${server.url}/v3/rerank`, { headers: auth })).status).toBe(404);
  });

  test('CORS: only the configured origin gets headers and a preflight', async () => {
    const allowed = await postJson(`${server.url}/rerank`, { query: 'q', texts: ['a'] }, { ...auth, origin: ORIGIN });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const other = await postJson(
      `${server.url}/rerank`,
      { query: 'q', texts: ['a'] },
      { ...auth, origin: 'https://evil.example' },
    );
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/v2/rerank`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-fern-language, x-not-configured',
      },
    });
    expect(preflight.status).toBe(204);
    // The configured list (the Cohere SDK's headers among the defaults), not an echo of the request.
    const allowedHeaders = preflight.headers.get('access-control-allow-headers')!.split(/,\s*/);
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-fern-language']));
    expect(allowedHeaders).not.toContain('x-not-configured');
    const refused = await fetch(`${server.url}/v2/rerank`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
  });

  test('logs name the route, status and pair count, never the query or the documents', async () => {
    const secret = '비밀 질의 문자열 zebra-7431';
    await postJson(`${server.url}/rerank`, { query: secret, texts: [`${secret} 문서`] }, auth);
    await postJson(`${server.url}/v2/rerank/${encodeURIComponent(secret)}`, {}, auth);
    const all = JSON.stringify(logs);
    expect(all).not.toContain('zebra-7431');
    expect(all).not.toContain(encodeURIComponent(secret));
    expect(logs).toContainEqual(expect.objectContaining({ event: 'request', route: '/rerank', status: 200, pairs: 1 }));
  });
});

describe('readiness and defaults', () => {
  test('/health and the rerank routes answer 503 until the model is loaded; binds 127.0.0.1; no CORS by default', async () => {
    let finishLoading!: () => void;
    const loaded = new Promise<void>((resolve) => (finishLoading = resolve));
    const service = createRerankService({ model: folder, dtype: 'fp32', log: false }, async (options) => {
      await loaded;
      return EngineRunner.load({ model: options.model, dtype: options.dtype });
    });
    const http = await serveNode(service.fetch, { port: 0 }, service);
    try {
      expect((http.server.address() as { address: string }).address).toBe('127.0.0.1');
      const health = await fetch(`${http.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'loading' });
      const early = await postJson(`${http.url}/v2/rerank`, { model: 'x', query: 'q', documents: ['d'] });
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('1');
      expect(await early.json()).toEqual({ message: expect.stringMatching(/loading/) });
      finishLoading();
      await service.ready;
      expect((await fetch(`${http.url}/health`)).status).toBe(200);
      const ok = await postJson(`${http.url}/rerank`, { query: 'q', texts: ['a'] }, { origin: ORIGIN });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await http.close();
    }
  });
});
