/**
 * Model folders and ids that used to load and fail later, or fail with the wrong name (issue 10,
 * item 11): a position table too small for any pair, a missing tokenizer_config.json, a model id
 * too long for the file system.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ModelLoadError, Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';

let good: string;
let scratch: string;
let server: HubMirror;
const originalCacheDir = env.cacheDir;
beforeAll(async () => {
  good = await testModel('tiny-xlmr');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-config-faults-'));
  env.cacheDir = path.join(scratch, 'cache');
});
afterAll(async () => {
  env.cacheDir = originalCacheDir;
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function copyWith(name: string, change: (folder: string) => Promise<void>): Promise<string> {
  const folder = path.join(scratch, name);
  await cp(good, folder, { recursive: true });
  await change(folder);
  return folder;
}

async function loadError(options: Parameters<typeof Reranker.load>[0]): Promise<unknown> {
  return Reranker.load(options).then(
    async (reranker) => {
      await reranker.dispose();
      return null;
    },
    (e: unknown) => e,
  );
}

test.each([-5, 0, 3, 5, 1.5])('max_position_embeddings %d is refused at load, not by every rank', async (positions) => {
  const folder = await copyWith(`positions-${positions}`, async (f) => {
    const file = path.join(f, 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    config['max_position_embeddings'] = positions;
    await writeFile(file, JSON.stringify(config));
  });
  const error = await loadError({ model: folder });
  expect(error).toBeInstanceOf(ModelLoadError);
  expect(error).toMatchObject({
    code: 'UNSUPPORTED_MODEL',
    file: 'config.json',
    message: expect.stringMatching(/max_position_embeddings/),
  });
});

test('the smallest position table that holds a pair loads and ranks', async () => {
  // XLM-R: positions start after the padding index (2 taken), and a pair needs 4 special tokens + 2.
  const folder = await copyWith('positions-8', async (f) => {
    const file = path.join(f, 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    config['max_position_embeddings'] = 8;
    await writeFile(file, JSON.stringify(config));
  });
  const reranker = await Reranker.load({ model: folder });
  expect(reranker.info.maxLength).toBe(6);
  expect(await reranker.rank('한국은행 기준금리', ['금융통화위원회가 기준금리를 정합니다.', '날씨'])).toHaveLength(2);
  await reranker.dispose();
});

test('a missing tokenizer_config.json is reported as that file, missing', async () => {
  const folder = await copyWith('no-tokenizer-config', (f) => rm(path.join(f, 'tokenizer_config.json')));
  expect(await loadError({ model: folder })).toMatchObject({
    name: 'ModelLoadError',
    code: 'MODEL_FILE_MISSING',
    file: 'tokenizer_config.json',
  });

  server = await startHubMirror({ models: { 'test-org/no-tokenizer-config': good } });
  server.setFault(/^test-org\/no-tokenizer-config\/tokenizer_config\.json$/, { kind: 'not-found' });
  expect(await loadError({ model: 'test-org/no-tokenizer-config', remoteHost: server.url })).toMatchObject({
    name: 'ModelLoadError',
    code: 'MODEL_FILE_MISSING',
    file: 'tokenizer_config.json',
  });
});

test('a 5,000-character model id is a typed error, not a raw ENAMETOOLONG', async () => {
  for (const model of ['m'.repeat(5000), `org/${'m'.repeat(5000)}`, `${'d/'.repeat(2500)}x`]) {
    const error = await loadError({ model });
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({
      code: 'MODEL_FILE_MISSING',
      file: 'config.json',
      message: expect.stringMatching(/not a local folder, and not a valid hub id/),
    });
    expect((error as Error).message.length).toBeLessThan(600);
  }
});
