/**
 * The catalog's shapes against independent references: the published ONNX file sizes (as the hub lists
 * them, see ../shared/notes/browser-and-runtime-facts.md), the model builder's own list of parameters,
 * and the presets that generate each shape.
 */
import { expect, test } from 'vitest';
import {
  CATALOG,
  catalogEntry,
  downloadBytes,
  formatBytes,
  onnxBytes,
  parameterCount,
} from '../../src/catalog/rerankers.js';
import { PRESETS, isPresetName } from '../../src/model-builder/presets.js';
import { expectedWeights } from '../../src/model-builder/weight-names.js';

/** Published ONNX file sizes in MB (decimal), per dtype. */
const PUBLISHED_MB: Record<string, { q8: number; fp16: number; fp32: number }> = {
  'Xenova/bge-reranker-base': { q8: 279, fp16: 556, fp32: 1112 },
  'Xenova/bge-reranker-large': { q8: 563, fp16: 1120, fp32: 2240 },
  'onnx-community/bge-reranker-v2-m3-ONNX': { q8: 571, fp16: 1136, fp32: 2271 },
  'Xenova/ms-marco-MiniLM-L-6-v2': { q8: 23, fp16: 46, fp32: 91 },
};

test.each(Object.entries(PUBLISHED_MB))('%s: sizes derived from the shape match the published files', (id, sizes) => {
  const entry = catalogEntry(id)!;
  for (const dtype of ['q8', 'fp16', 'fp32'] as const) {
    const derived = onnxBytes(entry.shape, dtype) / 1e6;
    // The published sizes are rounded to the MB; 1.5% covers that on the 23 MB model.
    expect(Math.abs(derived - sizes[dtype]) / sizes[dtype], `${dtype}: ${derived} vs ${sizes[dtype]}`).toBeLessThan(
      0.015,
    );
  }
});

test.each(CATALOG.map((e) => [e.id, e] as const))(
  "%s: parameter count equals the model builder's weights",
  (_, entry) => {
    const { shape } = entry;
    const xlmr = shape.architecture === 'xlm-roberta';
    const weights = expectedWeights({
      architecture: shape.architecture,
      vocabSize: shape.vocabSize,
      hiddenSize: shape.hiddenSize,
      numLayers: shape.numLayers,
      numHeads: shape.numHeads,
      intermediateSize: shape.intermediateSize,
      maxPositionEmbeddings: xlmr ? shape.maxLength + 2 : shape.maxLength,
      typeVocabSize: xlmr ? 1 : 2,
      layerNormEps: 1e-5,
      padTokenId: 1,
    });
    const count = [...weights.values()].reduce((sum, dims) => sum + dims.reduce((a, b) => a * b, 1), 0);
    expect(parameterCount(shape)).toBe(count);
  },
);

test.each(CATALOG.map((e) => [e.id, e] as const))('%s: its preset generates the same shape', (_, entry) => {
  expect(isPresetName(entry.preset)).toBe(true);
  const preset = PRESETS[entry.preset as keyof typeof PRESETS];
  expect({
    architecture: preset.architecture,
    numLayers: preset.numLayers,
    hiddenSize: preset.hiddenSize,
    numHeads: preset.numHeads,
    intermediateSize: preset.intermediateSize,
    maxLength: preset.maxLength,
  }).toEqual({
    architecture: entry.shape.architecture,
    numLayers: entry.shape.numLayers,
    hiddenSize: entry.shape.hiddenSize,
    numHeads: entry.shape.numHeads,
    intermediateSize: entry.shape.intermediateSize,
    maxLength: entry.shape.maxLength,
  });
});

test('the catalog has a small multilingual model (100-120M parameters), the XLM-R base and large rerankers and the English MiniLM', () => {
  const small = CATALOG.filter((e) => e.korean && parameterCount(e.shape) >= 100e6 && parameterCount(e.shape) <= 120e6);
  expect(small.map((e) => e.original)).toContain('cross-encoder/mmarco-mMiniLMv2-L12-H384-v1');
  expect(CATALOG.map((e) => e.original)).toEqual(
    expect.arrayContaining(['BAAI/bge-reranker-base', 'BAAI/bge-reranker-large', 'Dongjin-kr/ko-reranker']),
  );
  expect(catalogEntry('cross-encoder/ms-marco-MiniLM-L-6-v2')?.korean).toBe(false);
  // Only ko-reranker lacks an ONNX export; every published figure names its source.
  expect(CATALOG.filter((e) => !e.onnx).map((e) => e.id)).toEqual(['Dongjin-kr/ko-reranker']);
  for (const e of CATALOG) if (e.quality) expect(e.quality.source).toMatch(/^https:\/\//);
  // Quality order is a ranking: 1..n without gaps or ties.
  expect(CATALOG.map((e) => e.koreanQualityOrder).sort((a, b) => a - b)).toEqual(CATALOG.map((_, i) => i + 1));
});

test('the download counts the tokenizer too, and sizes print in decimal units', () => {
  const minilm = catalogEntry('Xenova/ms-marco-MiniLM-L-6-v2')!;
  const xlmr = catalogEntry('Xenova/mmarco-mMiniLMv2-L12-H384-v1')!;
  expect(downloadBytes(minilm, 'q8') - onnxBytes(minilm.shape, 'q8')).toBeLessThan(1e6);
  expect(downloadBytes(xlmr, 'q8') - onnxBytes(xlmr.shape, 'q8')).toBeGreaterThan(15e6);
  expect(formatBytes(135_000_000)).toBe('135 MB');
  expect(formatBytes(1_136_000_000)).toBe('1.1 GB');
});
