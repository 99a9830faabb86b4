/** Models fetched over real HTTP from a server with the Hugging Face URL layout. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ModelLoadError, Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

let server: HubMirror;
let folder: string;
let cacheDir: string;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  // Model ids are distinct per test: transformers.js memoises configs by id.
  const ids = ['ok', 'no-revision', 'server-error', 'truncated', 'missing-onnx'];
  server = await startHubMirror({ models: Object.fromEntries(ids.map((id) => [`test-org/${id}`, folder])) });
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-cache-'));
  env.cacheDir = cacheDir; // downloads must really happen in each run, not come from an old cache
});
afterAll(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

test('a hub id with a remote host downloads the hub layout and scores like the local folder', async () => {
  const remote = await Reranker.load({ model: 'test-org/ok', remoteHost: server.url, dtype: 'fp32' });
  const local = await Reranker.load({ model: folder, dtype: 'fp32' });
  const pairs = KOREAN_PASSAGES.map((p): [string, string] => [KOREAN_QUERY, p]);
  expect(await remote.score(pairs)).toEqual(await local.score(pairs));
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
    expect(server.requests.some((r) => r.endsWith(`/test-org/ok/resolve/main/${file}`))).toBe(true);
  }
  await Promise.all([remote.dispose(), local.dispose()]);
});

test('a revision the server does not have: config.json is missing', async () => {
  const error = await Reranker.load({ model: 'test-org/no-revision', remoteHost: server.url, revision: 'v9' }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  expect(error).toMatchObject({ code: 'MODEL_FILE_MISSING', file: 'config.json' });
});

test('a 404 on the ONNX file names it', async () => {
  server.setFault(/^test-org\/missing-onnx\/onnx\//, { kind: 'not-found' });
  const error = await Reranker.load({ model: 'test-org/missing-onnx', remoteHost: server.url }).catch(
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'MODEL_FILE_MISSING', file: 'onnx/model.onnx' });
});

test('a 500 on the ONNX file is a load failure naming the file and the status', async () => {
  server.setFault(/^test-org\/server-error\/onnx\//, { kind: 'server-error' });
  const error = await Reranker.load({ model: 'test-org/server-error', remoteHost: server.url }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  expect(error).toMatchObject({ code: 'MODEL_LOAD_FAILED', file: 'onnx/model.onnx' });
  expect((error as Error).message).toMatch(/500|Internal server error/i);
});

test('a truncated download fails with a typed error instead of hanging', async () => {
  server.setFault(/^test-org\/truncated\/onnx\//, { kind: 'truncated', bytes: 100_000 });
  const error = await Reranker.load({ model: 'test-org/truncated', remoteHost: server.url }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelLoadError);
  expect(error).toMatchObject({ code: 'MODEL_LOAD_FAILED', file: 'onnx/model.onnx' });
  expect((error as Error).message).toMatch(/download of onnx\/model.onnx was interrupted/);
});
