/** Broken model folders give typed errors that name the file; the process and other rerankers carry on. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ModelLoadError, Reranker } from '../../src/engine/index.js';
import { testModel } from '../helpers/models.js';

let good: string;
let scratch: string;
beforeAll(async () => {
  good = await testModel('tiny-xlmr');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-broken-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A copy of the good model with one change applied. */
async function brokenCopy(name: string, change: (folder: string) => Promise<void>): Promise<string> {
  const folder = path.join(scratch, name);
  await cp(good, folder, { recursive: true });
  await change(folder);
  return folder;
}

async function loadError(options: Parameters<typeof Reranker.load>[0]): Promise<ModelLoadError> {
  const error = await Reranker.load(options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

const editConfig = (edit: (config: Record<string, unknown>) => void) => async (folder: string) => {
  const file = path.join(folder, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  await writeFile(file, JSON.stringify(config));
};

test('a folder that does not exist: config.json is missing', async () => {
  const error = await loadError({ model: path.join(scratch, 'nowhere') });
  expect(error).toMatchObject({ code: 'MODEL_FILE_MISSING', file: 'config.json' });
});

test('a missing ONNX file for the dtype asked for', async () => {
  const folder = await brokenCopy('no-q8', (f) => rm(path.join(f, 'onnx/model_quantized.onnx')));
  const error = await loadError({ model: folder, dtype: 'q8' });
  expect(error).toMatchObject({ code: 'MODEL_FILE_MISSING', file: 'onnx/model_quantized.onnx' });
  expect(error.message).toContain('onnx/model_quantized.onnx');
  // The other dtypes in the same folder still load.
  const reranker = await Reranker.load({ model: folder, dtype: 'fp32' });
  await reranker.dispose();
});

test('a missing tokenizer.json', async () => {
  const folder = await brokenCopy('no-tokenizer', (f) => rm(path.join(f, 'tokenizer.json')));
  expect(await loadError({ model: folder })).toMatchObject({ code: 'MODEL_FILE_MISSING', file: 'tokenizer.json' });
});

test('a corrupt (truncated) ONNX file', async () => {
  const folder = await brokenCopy('corrupt-onnx', async (f) => {
    const file = path.join(f, 'onnx/model.onnx');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
  });
  const error = await loadError({ model: folder, dtype: 'fp32' });
  expect(error).toMatchObject({ code: 'MODEL_FILE_CORRUPT', file: 'onnx/model.onnx' });
});

test('config.json that is not JSON', async () => {
  const folder = await brokenCopy('bad-json', (f) => writeFile(path.join(f, 'config.json'), '{"model_type": '));
  expect(await loadError({ model: folder })).toMatchObject({ code: 'MODEL_FILE_CORRUPT', file: 'config.json' });
});

test('a config that is not a sequence-classification cross-encoder', async () => {
  const maskedLm = await brokenCopy(
    'masked-lm',
    editConfig((c) => (c['architectures'] = ['XLMRobertaForMaskedLM'])),
  );
  const error = await loadError({ model: maskedLm });
  expect(error).toMatchObject({ code: 'UNSUPPORTED_MODEL', file: 'config.json' });
  expect(error.message).toContain('XLMRobertaForMaskedLM');

  const twoLabels = await brokenCopy(
    'two-labels',
    editConfig((c) => (c['id2label'] = { 0: 'no', 1: 'yes' })),
  );
  expect((await loadError({ model: twoLabels })).message).toMatch(/declares 2 labels/);
});

test('bad load options are refused before anything is read', async () => {
  await expect(Reranker.load({ model: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  await expect(Reranker.load({ model: good, dtype: 'int3' as 'q8' })).rejects.toThrow(
    /dtype must be one of fp32, fp16, q8/,
  );
});

test('after all those failures a good model still loads and ranks', async () => {
  const reranker = await Reranker.load({ model: good });
  expect(await reranker.rank('금리', ['기준금리 인상', '날씨'])).toHaveLength(2);
  await reranker.dispose();
});

test('a relative folder path is read from disk, not taken for a hub id', async () => {
  const relative = path.relative(process.cwd(), good);
  expect(relative.startsWith('/')).toBe(false);
  const reranker = await Reranker.load({ model: relative });
  expect(reranker.info.model).toBe(good);
  await reranker.dispose();
});
