import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { OutOfMemoryError } from '../../src/engine/errors.js';
import {
  type ModelShape,
  SMALLER_MODELS,
  WASM_MEMORY_LIMIT,
  checkMemoryFit,
  estimateMemory,
  memoryAvailable,
  parameterCount,
  shapeFromConfig,
} from '../../src/engine/memory-fit.js';
import { testModel } from '../helpers/models.js';

/** XLM-R large: Dongjin-kr/ko-reranker and bge-reranker-large (q8 563 MB, fp32 2.24 GB as published). */
const XLMR_LARGE: ModelShape = {
  vocabSize: 250_002,
  hiddenSize: 1024,
  numLayers: 24,
  numHeads: 16,
  intermediateSize: 4096,
  maxPositions: 514,
  typeVocabSize: 1,
};
const GB = 2 ** 30;

describe('the estimate', () => {
  test.each(['tiny-xlmr', 'tiny-bert'] as const)(
    '%s: parameters x 4 bytes is the size of the generated fp32 ONNX file (within 2%, plus 16 KB of graph)',
    async (name) => {
      const folder = await testModel(name);
      const shape = shapeFromConfig(JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')));
      expect(shape).not.toBeNull();
      const fileBytes = statSync(path.join(folder, 'onnx/model.onnx')).size;
      // The file also holds the graph (node and tensor names, shapes): a fixed few KB on top of the weights.
      expect(Math.abs(parameterCount(shape!) * 4 - fileBytes)).toBeLessThan(fileBytes * 0.02 + 16_384);
    },
  );

  test('published sizes: XLM-R large is about 560 M parameters (fp32 2.24 GB, q8 563 MB)', () => {
    const params = parameterCount(XLMR_LARGE);
    expect(params * 4).toBeGreaterThan(2.1e9);
    expect(params * 4).toBeLessThan(2.35e9);
    expect(SMALLER_MODELS.map((m) => parameterCount(m.shape))).toEqual(
      [...SMALLER_MODELS.map((m) => parameterCount(m.shape))].sort((a, b) => b - a),
    );
  });

  test('a config without the sizes gives no shape (nothing is refused on a guess)', () => {
    expect(shapeFromConfig({ vocab_size: 10, hidden_size: 8 })).toBeNull();
  });
});

describe('what can be used', () => {
  test('the tightest limit decides, and says which it is', () => {
    expect(memoryAvailable({ wasm: false })).toEqual({ bytes: Infinity, source: 'no limit known' });
    expect(memoryAvailable({ wasm: true })).toMatchObject({ bytes: WASM_MEMORY_LIMIT });
    expect(memoryAvailable({ wasm: true, deviceMemoryGb: 2 })).toMatchObject({
      bytes: GB,
      source: expect.stringContaining('navigator.deviceMemory'),
    });
    expect(memoryAvailable({ wasm: true, deviceMemoryGb: 8, limitBytes: 123 })).toEqual({
      bytes: 123,
      source: 'memoryLimitBytes',
    });
  });
});

describe('the fit check', () => {
  const request = (dtype: 'fp32' | 'q8', bytes: number) => ({
    model: 'Dongjin-kr/ko-reranker',
    shape: XLMR_LARGE,
    dtype,
    batchTokens: 8192,
    maxLength: 512,
    available: { bytes, source: 'memoryLimitBytes' },
  });

  test('XLM-R large at fp32 on WASM: refused before download, naming the estimate and q8 as the smaller choice', () => {
    const refusal = (() => {
      try {
        checkMemoryFit(request('fp32', WASM_MEMORY_LIMIT));
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(OutOfMemoryError);
    const error = refusal as OutOfMemoryError;
    expect(error).toMatchObject({
      code: 'OUT_OF_MEMORY',
      model: 'Dongjin-kr/ko-reranker',
      smallerChoice: "dtype 'q8'",
    });
    // The fp32 weights alone are 2.24 GB, and are copied while the session is built.
    expect(error.estimateBytes).toBeGreaterThan(2 * 2.1e9);
    expect(error.availableBytes).toBe(WASM_MEMORY_LIMIT);
    expect(error.message).toMatch(
      /^Model "Dongjin-kr\/ko-reranker" needs about \d+\.\d\d GB at fp32 .* try dtype 'q8'/,
    );
  });

  test('at q8 with too little memory: a smaller published model; with almost none: no choice, and says so', () => {
    expect(() => checkMemoryFit(request('q8', 1.6 * GB))).toThrow(
      expect.objectContaining({ smallerChoice: 'the smaller model Xenova/bge-reranker-base at q8' }),
    );
    expect(() => checkMemoryFit(request('q8', 0.5 * GB))).toThrow(
      expect.objectContaining({ smallerChoice: 'the smaller model Xenova/ms-marco-MiniLM-L-6-v2 at q8' }),
    );
    expect(() => checkMemoryFit(request('q8', 10 * 2 ** 20))).toThrow(/no smaller choice fits/);
  });

  test('room for the weights but not for the planned batch: loads with a smaller batch that fits', () => {
    // MiniLM: small weights, so a batch's attention scores, not the load, set the peak.
    const miniLm = SMALLER_MODELS.at(-1)!.shape;
    const full = estimateMemory(miniLm, 'q8', 8192, 512);
    const oneRow = estimateMemory(miniLm, 'q8', 512, 512);
    expect(full.peakBytes).toBeGreaterThan(oneRow.peakBytes);
    const between = (full.peakBytes + oneRow.peakBytes) / 2;
    const fit = checkMemoryFit({ ...request('q8', between), shape: miniLm });
    expect(fit.batchTokens).toBeLessThan(8192);
    expect(fit.batchTokens).toBeGreaterThanOrEqual(512);
    expect(fit.estimate.peakBytes).toBeLessThanOrEqual(between);
    expect(checkMemoryFit({ ...request('q8', full.peakBytes), shape: miniLm }).batchTokens).toBe(8192);
  });
});
