import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { weightSourceFromMap } from '../../src/model-builder/config.js';
import { buildCrossEncoderGraph } from '../../src/model-builder/cross-encoder-graph.js';
import { decodeModel } from '../../src/model-builder/onnx-graph.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { quantizeModel } from '../../src/model-builder/quantize.js';
import { randomWeights } from '../../src/model-builder/random-weights.js';
import { shapeFor, writeCrossEncoder } from '../../src/model-builder/write-model.js';

const scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-builder-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

test('writes the Hugging Face layout transformers.js expects', async () => {
  const out = path.join(scratch, 'a');
  const written = await writeCrossEncoder({ preset: PRESETS['tiny-bert'], outDir: out, seed: 1 });
  expect((await readdir(out)).sort()).toEqual([
    'config.json',
    'onnx',
    'special_tokens_map.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  expect((await readdir(path.join(out, 'onnx'))).sort()).toEqual([
    'model.onnx',
    'model_fp16.onnx',
    'model_quantized.onnx',
  ]);
  const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
  expect(config).toMatchObject({
    model_type: 'bert',
    architectures: ['BertForSequenceClassification'],
    vocab_size: written.shape.vocabSize,
    hidden_size: 32,
    num_hidden_layers: 2,
  });
  const tokenizer = JSON.parse(await readFile(path.join(out, 'tokenizer.json'), 'utf8'));
  expect(Object.keys(tokenizer.model.vocab)).toHaveLength(written.shape.vocabSize);
});

test('the same seed gives byte-identical files; another seed does not', async () => {
  const build = (name: string, seed: number) =>
    writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: path.join(scratch, name), seed, dtypes: ['fp32'] });
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
  // Activations are quantized once per distinct input (Q, K and V share one): 4 per layer (hidden,
  // attention context, FFN input, GELU output) + 2 in the head, one scale per tensor as published files.
  expect(ops.filter((op) => op === 'DynamicQuantizeLinear')).toHaveLength(2 * 4 + 2);
  // The remaining float MatMuls are the activation x activation products of attention.
  expect(ops.filter((op) => op === 'MatMul')).toHaveLength(2 * 2);
});

test('q8 with activations per row: one row-wise max per quantized input, no per-tensor quantization', () => {
  const { shape } = shapeFor(PRESETS['tiny-xlmr']);
  const fp32 = buildCrossEncoderGraph(shape, weightSourceFromMap(randomWeights(shape, 1)), 'float32');
  const nodes = quantizeModel(fp32, { activations: 'per-row' }).model.graph!.node!;
  const ops = nodes.map((n) => n.opType);
  expect(ops.filter((op) => op === 'ReduceMax')).toHaveLength(2 * 4 + 2);
  expect(ops.filter((op) => op === 'MatMulInteger')).toHaveLength(2 * 6 + 2);
  expect(ops).not.toContain('DynamicQuantizeLinear');
  // onnxruntime's CPU MatMulInteger takes only a scalar A zero point: the same one for every product.
  expect(new Set(nodes.filter((n) => n.opType === 'MatMulInteger').map((n) => n.input![2]))).toEqual(
    new Set(['activation_zero_point']),
  );
});
