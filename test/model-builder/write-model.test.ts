import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { PRESETS } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';
import { decodeModel } from '../../src/model-builder/onnx-graph.js';

const scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-builder-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

test('writes the Hugging Face layout transformers.js expects', async () => {
  const out = path.join(scratch, 'a');
  const written = await writeCrossEncoder({ preset: PRESETS['tiny-bert'], outDir: out, seed: 1 });
  expect((await readdir(out)).sort()).toEqual(['config.json', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
  expect((await readdir(path.join(out, 'onnx'))).sort()).toEqual(['model.onnx', 'model_fp16.onnx', 'model_quantized.onnx']);
  const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
  expect(config).toMatchObject({ model_type: 'bert', architectures: ['BertForSequenceClassification'], vocab_size: written.shape.vocabSize, hidden_size: 32, num_hidden_layers: 2 });
  const tokenizer = JSON.parse(await readFile(path.join(out, 'tokenizer.json'), 'utf8'));
  expect(Object.keys(tokenizer.model.vocab)).toHaveLength(written.shape.vocabSize);
});

test('the same seed gives byte-identical files; another seed does not', async () => {
  const build = (name: string, seed: number) => writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: path.join(scratch, name), seed, dtypes: ['fp32'] });
  await Promise.all([build('s1', 11), build('s1-again', 11), build('s2', 12)]);
  const read = (name: string) => readFile(path.join(scratch, name, 'onnx/model.onnx'));
  expect((await read('s1')).equals(await read('s1-again'))).toBe(true);
  expect((await read('s1')).equals(await read('s2'))).toBe(false);
});

test('the q8 graph runs its MatMuls on integers and keeps no float weight matrices', async () => {
  const out = path.join(scratch, 'q8');
  await writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: out, dtypes: ['q8'] });
  const model = decodeModel(await readFile(path.join(out, 'onnx/model_quantized.onnx')));
  const ops = model.graph!.node!.map((n) => n.opType);
  expect(ops.filter((op) => op === 'MatMulInteger')).toHaveLength(2 * 6 + 2); // 6 per layer + 2 in the head
  expect(ops).toContain('DynamicQuantizeLinear');
  // The remaining float MatMuls are the activation x activation products of attention.
  expect(ops.filter((op) => op === 'MatMul')).toHaveLength(2 * 2);
});
