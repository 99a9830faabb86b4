/**
 * The service under stress and failure: 200 concurrent requests (no lost or mixed-up results, checked
 * against the engine alone), queue overflow (429), a client leaving mid-request, request timeout,
 * shutdown with requests in flight (programmatic close and SIGTERM to `npm run serve`'s script).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, longPassage } from '../helpers/text.js';
import { postJson, startTestServer, until, watchedRunner } from './helpers.js';

const TOLERANCE = 1e-5;
let folder: string;
let reference: Reranker;

beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  reference = await Reranker.load({ model: folder, dtype: 'fp32' });
});
afterAll(() => reference?.dispose());

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Deterministic varied material: request r gets its own query and a mix of short and long passages. */
function material(r: number): { query: string; documents: string[] } {
  const pool = [
    ...KOREAN_PASSAGES,
    ...ENGLISH_PASSAGES,
    longPassage(2 + (r % 7)),
    ...(r % 4 === 0 ? [longPassage(20 + (r % 10))] : []),
  ];
  const count = 1 + (r % 7);
  const documents = Array.from({ length: count }, (_, i) => `${pool[(r * 7 + i * 3) % pool.length]} #${r}-${i}`);
  return { query: `${KOREAN_PASSAGES[r % KOREAN_PASSAGES.length]!.slice(0, 10 + (r % 15))} 질문 ${r}`, documents };
}

test('200 concurrent requests: every answer complete and equal to the engine alone on that request; runs were shared', async () => {
  const watched = await watchedRunner(folder, 'fp32');
  const server = await startTestServer({}, watched.runner);
  try {
    const requests = Array.from({ length: 200 }, (_, r) => material(r));
    // The model is held until many requests wait: on a fast machine each run could otherwise finish
    // before the next request arrives, and there would be nothing to share.
    watched.hold();
    const pending = Promise.all(
      requests.map(async ({ query, documents }, r) => {
        const response =
          r % 2 === 0
            ? await postJson(`${server.url}/rerank`, { query, texts: documents, raw_scores: true, truncate: true })
            : await postJson(`${server.url}/v2/rerank`, { model: folder, query, documents });
        expect(response.status).toBe(200);
        const json = (await response.json()) as
          Array<{ index: number; score: number }> | { results: Array<{ index: number; relevance_score: number }> };
        return Array.isArray(json) ? json : json.results.map((x) => ({ index: x.index, score: x.relevance_score }));
      }),
    );
    // No turn limit: a busy machine may take long to queue them; the test's timeout bounds the wait.
    await until(async () => (await metric(server.url, 'rerank_queue_requests')) >= 50, Infinity);
    watched.release();
    const answers = await pending;
    for (const [r, { query, documents }] of requests.entries()) {
      const expected = await reference.rank(query, documents, { activation: r % 2 === 0 ? 'none' : 'sigmoid' });
      const got = answers[r]!;
      expect(got.map((x) => x.index).sort((a, b) => a - b)).toEqual(documents.map((_, i) => i));
      const byIndex = new Map(expected.map((x) => [x.index, x.score]));
      for (const x of got) expect(Math.abs(x.score - byIndex.get(x.index)!)).toBeLessThan(TOLERANCE);
      for (let i = 1; i < got.length; i++) expect(got[i - 1]!.score).toBeGreaterThanOrEqual(got[i]!.score);
    }
    // Shared runs: more requests than runs went through the model.
    const runs = await metric(server.url, 'rerank_batch_requests_count');
    const requestsPerRunSum = await metric(server.url, 'rerank_batch_requests_sum');
    expect(requestsPerRunSum).toBeGreaterThan(runs);
  } finally {
    await server.close();
  }
}, 60_000);

test.each([
  ['off', 0],
  // onnxruntime's 8-bit graph quantizes activations with one scale per tensor, i.e. per model run: rows
  // sharing a run with other requests' rows get slightly different logits (measured up to 0.04 on the
  // bge-base shape). Off is bit-identical; on stays within a bound far below the spread between documents.
  ['on', 0.1],
] as const)(
  '8-bit model, cross-request batching %s: 60 concurrent answers vs the engine alone (max logit difference %s)',
  async (mode, bound) => {
    const q8Reference = await Reranker.load({ model: folder, dtype: 'q8' });
    const watched = await watchedRunner(folder, 'q8');
    const server = await startTestServer({ crossRequestBatching: mode === 'on' }, watched.runner);
    try {
      const requests = Array.from({ length: 60 }, (_, r) => material(r));
      // Held until many requests wait, so that sharing (or its absence when off) is the scheduler's
      // choice, not a matter of whether the machine finishes each run before the next request arrives.
      watched.hold();
      const pending = Promise.all(
        requests.map(async ({ query, documents }) => {
          const response = await postJson(`${server.url}/rerank`, {
            query,
            texts: documents,
            raw_scores: true,
            truncate: true,
          });
          return (await response.json()) as Array<{ index: number; score: number }>;
        }),
      );
      // No turn limit: a busy machine may take long to queue them; the test's timeout bounds the wait.
      await until(async () => (await metric(server.url, 'rerank_queue_requests')) >= 30, Infinity);
      watched.release();
      const answers = await pending;
      let worst = 0;
      for (const [r, { query, documents }] of requests.entries()) {
        const alone = await q8Reference.score(
          documents.map((d): [string, string] => [query, d]),
          { activation: 'none' },
        );
        expect(answers[r]!.map((x) => x.index).sort((a, b) => a - b)).toEqual(documents.map((_, i) => i));
        for (const { index, score } of answers[r]!) worst = Math.max(worst, Math.abs(score - alone[index]!));
      }
      const shared =
        (await metric(server.url, 'rerank_batch_requests_sum')) >
        (await metric(server.url, 'rerank_batch_requests_count'));
      expect(shared).toBe(mode === 'on');
      if (mode === 'off') expect(worst).toBe(0);
      else expect(worst).toBeLessThan(bound);
    } finally {
      await server.close();
      await q8Reference.dispose();
    }
  },
  60_000,
);

describe('with the model held at a gate', () => {
  test('a full queue answers 429 with Retry-After in each API shape, and recovers', async () => {
    const watched = await watchedRunner(folder, 'fp32');
    const server = await startTestServer({ maxQueuedPairs: 8, maxDocuments: 8 }, watched.runner);
    try {
      watched.hold();
      const first = postJson(`${server.url}/rerank`, {
        query: 'q',
        texts: Array.from({ length: 8 }, (_, i) => `문서 ${i}`),
      });
      await watched.started(1);
      const cohere = await postJson(`${server.url}/v2/rerank`, { model: folder, query: 'q', documents: ['d'] });
      expect(cohere.status).toBe(429);
      expect(Number(cohere.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await cohere.json()).toEqual({ message: expect.stringMatching(/queue is full/) });
      const tei = await postJson(`${server.url}/rerank`, { query: 'q', texts: ['d'] });
      expect(tei.status).toBe(429);
      expect(await tei.json()).toEqual({ error: expect.any(String), error_type: 'overloaded' });
      watched.release();
      expect((await first).status).toBe(200);
      expect((await postJson(`${server.url}/rerank`, { query: 'q', texts: ['d'] })).status).toBe(200);
      expect(await metric(server.url, 'rerank_http_requests_total{route="/rerank",status="429"}')).toBe(1);
    } finally {
      watched.release();
      await server.close();
    }
  });

  test('a client that disconnects mid-request: its queued pairs are dropped and never reach the model', async () => {
    const watched = await watchedRunner(folder, 'fp32');
    const server = await startTestServer({}, watched.runner);
    try {
      watched.hold();
      const first = postJson(`${server.url}/rerank`, { query: 'first', texts: ['가', '나'] });
      await watched.started(1);
      const controller = new AbortController();
      const leaving = postJson(
        `${server.url}/rerank`,
        { query: 'leaving', texts: ['떠나는 문서 1', '떠나는 문서 2', '떠나는 문서 3'] },
        {},
        controller.signal,
      );
      leaving.catch(() => undefined);
      expect(await until(async () => (await metric(server.url, 'rerank_queue_pairs')) === 5)).toBe(true);
      controller.abort();
      await expect(leaving).rejects.toThrow();
      expect(await until(async () => (await metric(server.url, 'rerank_queue_pairs')) === 2)).toBe(true);
      watched.release();
      expect((await first).status).toBe(200);
      expect(watched.seen).toHaveLength(2); // the first request's two rows, none of the three that left
      expect(await metric(server.url, 'rerank_dropped_pairs_total{reason="client_closed"}')).toBe(3);
    } finally {
      watched.release();
      await server.close();
    }
  });

  test('a request over its time limit gets 503 and its pairs are dropped', async () => {
    const watched = await watchedRunner(folder, 'fp32');
    const server = await startTestServer({ requestTimeoutMs: 150 }, watched.runner);
    try {
      watched.hold();
      const first = postJson(`${server.url}/v2/rerank`, { model: folder, query: 'first', documents: ['가'] });
      await watched.started(1);
      const late = await postJson(`${server.url}/v2/rerank`, { model: folder, query: 'late', documents: ['나', '다'] });
      expect(late.status).toBe(503);
      expect(await late.json()).toEqual({ message: expect.stringMatching(/did not finish within 150 ms/) });
      watched.release();
      // The first request was held past its own limit too; what matters is that the late one never ran.
      await first;
      expect(watched.seen).toHaveLength(1); // the first request's row only
      expect(await metric(server.url, 'rerank_dropped_pairs_total{reason="timeout"}')).toBeGreaterThanOrEqual(2);
    } finally {
      watched.release();
      await server.close();
    }
  });

  test('close() with requests in flight: they finish with correct answers, new ones are refused, then it stops', async () => {
    const watched = await watchedRunner(folder, 'fp32');
    const server = await startTestServer({}, watched.runner);
    watched.hold();
    const texts = [...KOREAN_PASSAGES];
    const running = postJson(`${server.url}/rerank`, { query: '기준금리', texts, raw_scores: true });
    await watched.started(1);
    const queued = postJson(`${server.url}/rerank`, { query: '날씨', texts, raw_scores: true });
    expect(await until(async () => (await metric(server.url, 'rerank_queue_requests')) === 2)).toBe(true);
    const closing = server.close(10_000);
    expect(server.service.state()).toBe('draining');
    const refused = await postJson(`${server.url}/rerank`, { query: 'q', texts: ['a'] }).then(
      (r) => r.status,
      () => 'connection refused',
    );
    expect(refused === 503 || refused === 'connection refused').toBe(true);
    watched.release();
    for (const [query, response] of [
      ['기준금리', await running],
      ['날씨', await queued],
    ] as const) {
      expect(response.status).toBe(200);
      const got = (await response.json()) as Array<{ index: number; score: number }>;
      const expected = await reference.rank(query, texts, { activation: 'none' });
      expect(got.map((x) => x.index)).toEqual(expected.map((x) => x.index));
    }
    await closing;
    expect(server.service.state()).toBe('stopped');
  });
});

test('SIGTERM to the serve script with requests in flight: all answered, exit 0', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/serve.ts', '--model', folder, '--dtype', 'fp32', '--port', '0', '--quiet'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    expect(await until(() => /ready:/.test(stderr), 1500)).toBe(true);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!;
    // Enough long pairs that the model is still busy when the signal arrives.
    const texts = Array.from({ length: 400 }, (_, i) => `${longPassage(12)} ${i}`);
    const inFlight = [0, 1, 2].map((r) => postJson(`${url}/rerank`, { query: `질문 ${r}`, texts, truncate: true }));
    expect(await until(async () => (await metric(url, 'rerank_queue_requests')) === 3, 500)).toBe(true);
    child.kill('SIGTERM');
    const statuses = await Promise.all(inFlight.map(async (p) => (await p).status));
    expect(statuses).toEqual([200, 200, 200]);
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM: draining');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);
