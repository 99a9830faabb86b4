/**
 * Issue 25 items 2 and 3: what a hub sends that is not the file it names. A page served as config.json
 * is a typed MODEL_FILE_CORRUPT (as in the browser), not a raw SyntaxError; a short body that announces
 * itself as complete never reaches the Node cache; and a cached file that does not parse is evicted and
 * fetched again, once, so one bad answer does not break every later load.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ModelLoadError, Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

const IDS = ['html-config', 'short-onnx', 'poisoned', 'always-bad', 'html-tokenizer', 'bad-options'];
let external: string;
let server: HubMirror;
let cacheDir: string;
let reference: number[];
const originalCacheDir = env.cacheDir;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-cache-faults-'));
  // The same model with its weights in an external data file (onnx/model.onnx_data).
  external = path.join(cacheDir, 'external-model');
  await writeCrossEncoder({
    preset: PRESETS['tiny-xlmr'],
    outDir: external,
    seed: 7,
    dtypes: ['fp32'],
    externalData: 'always',
  });
  server = await startHubMirror({
    models: { ...Object.fromEntries(IDS.map((id) => [`test-org/${id}`, folder])), 'test-org/external': external },
  });
  env.cacheDir = cacheDir;
  reference = await scores(folder);
});
afterAll(async () => {
  env.cacheDir = originalCacheDir;
  await server?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function scores(model: string): Promise<number[]> {
  const reranker = await Reranker.load({ model, dtype: 'fp32', remoteHost: server.url });
  try {
    return await reranker.score(
      KOREAN_PASSAGES.map((p): [string, string] => [KOREAN_QUERY, p]),
      { activation: 'none' },
    );
  } finally {
    await reranker.dispose();
  }
}

const failure = (model: string) =>
  scores(model).then(
    () => null,
    (error: unknown) => error,
  );

const requestsFor = (id: string, file: string) =>
  server.requests.filter((r) => r === `GET /test-org/${id}/resolve/main/${file}`).length;

/** The one cached copy of `file` for `id` (the cache folder is keyed by host, id and revision). */
async function cachedPath(id: string, file: string): Promise<string | undefined> {
  const entries = await readdir(cacheDir, { recursive: true, withFileTypes: true });
  const suffix = path.join('test-org', id, 'main', file);
  return entries.map((e) => path.join(e.parentPath, e.name)).find((p) => p.endsWith(suffix));
}

const HTML = '<!doctype html><html><body>Sign in to continue</body></html>';

test('config.json answered 200 text/html: MODEL_FILE_CORRUPT naming config.json, nothing cached, next load works', async () => {
  server.setFault(/^test-org\/html-config\/config\.json$/, { kind: 'body', body: HTML, contentType: 'text/html' });
  const error = await failure('test-org/html-config');
  expect(error).toBeInstanceOf(ModelLoadError);
  expect(error).toMatchObject({ code: 'MODEL_FILE_CORRUPT', file: 'config.json' });
  expect(await cachedPath('html-config', 'config.json')).toBeUndefined();
  server.setFault(/^test-org\/html-config\/config\.json$/, null);
  expect(await scores('test-org/html-config')).toEqual(reference);
});

test('tokenizer.json answered as a page: MODEL_FILE_CORRUPT naming tokenizer.json, and it is not cached', async () => {
  server.setFault(/^test-org\/html-tokenizer\/tokenizer\.json$/, {
    kind: 'body',
    body: HTML,
    contentType: 'text/html',
  });
  expect(await failure('test-org/html-tokenizer')).toMatchObject({
    code: 'MODEL_FILE_CORRUPT',
    file: 'tokenizer.json',
  });
  expect(await cachedPath('html-tokenizer', 'tokenizer.json')).toBeUndefined();
});

test('a model file served short but "complete" (Content-Length 1000) is not cached: the next load fetches it and works', async () => {
  server.setFault(/^test-org\/short-onnx\/onnx\/model\.onnx$/, { kind: 'short', bytes: 1000 });
  const error = await failure('test-org/short-onnx');
  expect(error).toMatchObject({ code: 'MODEL_FILE_CORRUPT', file: 'onnx/model.onnx' });
  expect(await cachedPath('short-onnx', 'onnx/model.onnx')).toBeUndefined();
  server.setFault(/^test-org\/short-onnx\/onnx\/model\.onnx$/, null);
  const before = requestsFor('short-onnx', 'onnx/model.onnx');
  expect(await scores('test-org/short-onnx')).toEqual(reference);
  expect(requestsFor('short-onnx', 'onnx/model.onnx')).toBe(before + 1);
});

test.each(['onnx/model.onnx', 'config.json', 'tokenizer.json'])(
  'a cached %s that does not parse is evicted and fetched again once',
  async (file) => {
    expect(await scores('test-org/poisoned')).toEqual(reference);
    const cached = await cachedPath('poisoned', file);
    expect(cached).toBeDefined();
    await writeFile(cached!, file.endsWith('.json') ? HTML : Buffer.alloc(1000, 7)); // a cache written by a broken hub
    const before = requestsFor('poisoned', file);
    expect(await scores('test-org/poisoned')).toEqual(reference);
    expect(requestsFor('poisoned', file)).toBe(before + 1);
  },
);

test('a hub that keeps serving a broken file is asked twice, then the load fails typed', async () => {
  server.setFault(/^test-org\/always-bad\/onnx\/model\.onnx$/, { kind: 'short', bytes: 1000 });
  expect(await failure('test-org/always-bad')).toMatchObject({ code: 'MODEL_FILE_CORRUPT', file: 'onnx/model.onnx' });
  expect(requestsFor('always-bad', 'onnx/model.onnx')).toBe(2);
});

test('an external data file shorter than the graph places weights in it is not cached; the next load fetches it', async () => {
  expect(await scores(external)).toEqual(reference); // the local folder: same weights, in the other layout
  server.setFault(/^test-org\/external\/onnx\/model\.onnx_data$/, { kind: 'short', bytes: 1000 });
  const error = await failure('test-org/external');
  expect(error).toMatchObject({
    code: 'MODEL_FILE_CORRUPT',
    file: 'onnx/model.onnx_data',
    message: expect.stringMatching(/1000 bytes, but onnx\/model\.onnx places weights up to byte \d+/),
  });
  expect(await cachedPath('external', 'onnx/model.onnx_data')).toBeUndefined();
  server.setFault(/^test-org\/external\/onnx\/model\.onnx_data$/, null);
  expect(await scores('test-org/external')).toEqual(reference);
});

test('bad load options are refused before anything is fetched (a session built first would be leaked)', async () => {
  const error = await Reranker.load({
    model: 'test-org/bad-options',
    remoteHost: server.url,
    scoreCache: { maxEntries: -1 },
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/scoreCache\.maxEntries/) });
  expect(server.requests.filter((r) => r.includes('/test-org/bad-options/'))).toEqual([]);
});
