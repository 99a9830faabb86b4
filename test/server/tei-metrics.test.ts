/**
 * /metrics under text-embeddings-inference's names: what a TEI dashboard or autoscaling rule reads
 * (te_request_*, te_predict_*, te_batch_next_*, te_queue_size) counts the requests and pairs that were
 * actually sent, splits a request's time into queue and inference where the model runs say it does,
 * and agrees with the service's own rerank_* series fed by the same runs.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { type WatchedRunner, postJson, startTestServer, until, watchedRunner } from './helpers.js';

let watched: WatchedRunner;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  watched = await watchedRunner(await testModel('tiny-xlmr'), 'fp32');
  // One request per model run, so that a held run keeps the next request waiting in the queue.
  server = await startTestServer(
    { crossRequestBatching: false, maxDocuments: 8, modelNames: ['ko-rerank-test'] },
    watched.runner,
  );
});
afterAll(async () => {
  await server?.close();
});

/** Every sample line of the exposition, by its full name with labels. */
async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

function delta(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

test('requests, failures by err and pairs are counted under TEI names, and agree with the run series', async () => {
  const before = await scrape();
  const texts = KOREAN_PASSAGES.slice(0, 5);
  const ok = [
    await postJson(`${server.url}/rerank`, { query: KOREAN_QUERY, texts }),
    await postJson(`${server.url}/v2/rerank`, {
      model: 'ko-rerank-test',
      query: KOREAN_QUERY,
      documents: texts.slice(0, 3),
    }),
  ];
  const failed = [
    await postJson(`${server.url}/rerank`, { query: KOREAN_QUERY, texts: [] }),
    await postJson(`${server.url}/rerank`, { query: KOREAN_QUERY, texts: Array<string>(9).fill('가') }),
    await fetch(`${server.url}/v1/rerank`, { method: 'POST', body: '{"query": ' }),
  ];
  expect(ok.map((r) => r.status)).toEqual([200, 200]);
  expect(failed.map((r) => r.status)).toEqual([400, 413, 400]);
  const after = await scrape();
  const d = (name: string) => delta(before, after, name);

  expect(d('te_request_count{method="batch"}')).toBe(5);
  expect(d('te_request_success{method="batch"}')).toBe(2);
  expect(d('te_request_failure{err="validation"}')).toBe(2);
  expect(d('te_request_failure{err="batch_size"}')).toBe(1);
  expect(d('te_predict_count')).toBe(8);
  expect(d('te_predict_success')).toBe(8);
  expect(d('te_request_duration_count')).toBe(2);
  expect(d('te_request_queue_duration_count')).toBe(2);
  expect(d('te_request_inference_duration_count')).toBe(2);
  expect(d('te_request_tokenization_duration_count')).toBe(2);
  expect(d('te_request_input_length_count')).toBe(8);
  // The same runs seen from both sides: pairs and unpadded tokens per run, tokens per pair.
  expect(d('te_batch_next_size_sum')).toBe(8);
  expect(d('te_batch_next_size_count')).toBe(d('rerank_batch_pairs_count'));
  expect(d('te_batch_next_tokens_sum')).toBe(d('rerank_tokens_total'));
  expect(d('te_request_input_length_sum')).toBe(d('rerank_tokens_total'));
  expect(d('te_request_input_length_sum')).toBeGreaterThan(8 * 2); // every pair has its special tokens and more
  expect(after.get('te_queue_size')).toBe(0);
  // Histogram buckets are cumulative and end in the count.
  expect(after.get('te_request_input_length_bucket{le="+Inf"}')).toBe(after.get('te_request_input_length_count'));
});

test('a request held behind another is counted as queue time; the held one as inference time', async () => {
  const before = await scrape();
  watched.hold();
  const runsBefore = watched.runs();
  const first = postJson(`${server.url}/rerank`, { query: KOREAN_QUERY, texts: KOREAN_PASSAGES.slice(0, 2) });
  await watched.started(runsBefore + 1);
  const second = postJson(`${server.url}/rerank`, { query: KOREAN_QUERY, texts: KOREAN_PASSAGES.slice(2, 4) });
  expect(await until(async () => (await scrape()).get('te_queue_size') === 4)).toBe(true);
  const heldFrom = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const heldSeconds = (performance.now() - heldFrom) / 1000;
  watched.release();
  expect((await first).status).toBe(200);
  expect((await second).status).toBe(200);
  const after = await scrape();
  const d = (name: string) => delta(before, after, name);

  // The first waited in its run (inference), the second in the queue, each for at least the hold.
  expect(d('te_request_inference_duration_sum')).toBeGreaterThanOrEqual(heldSeconds);
  expect(d('te_request_queue_duration_sum')).toBeGreaterThanOrEqual(heldSeconds);
  // Neither part exceeds the whole: queue + inference + tokenization <= request duration, per request.
  const parts =
    d('te_request_queue_duration_sum') +
    d('te_request_inference_duration_sum') +
    d('te_request_tokenization_duration_sum');
  expect(parts).toBeLessThanOrEqual(d('te_request_duration_sum') + 1e-9);
});
