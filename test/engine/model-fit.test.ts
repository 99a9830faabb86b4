/**
 * Load-time fit check (issue 10 item 1): the tokenizer's ids must fit the word-embedding rows and the
 * longest input the position table, with both sizes read from the ONNX graph, not from config.json.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ModelLoadError, Reranker } from '../../src/engine/index.js';
import { findEmbeddingTables, readGraphSummary } from '../../src/engine/onnx-shapes.js';
import { EXTRA_TOKEN_ID, configPastPositions, tokenizerPastTable } from '../helpers/mismatched-models.js';
import { testModel } from '../helpers/models.js';

let xlmr: string;
let bert: string;
beforeAll(async () => {
  xlmr = await testModel('tiny-xlmr');
  bert = await testModel('tiny-bert');
});

describe('embedding tables read from the ONNX file', () => {
  test.each(['model.onnx', 'model_fp16.onnx', 'model_quantized.onnx'])(
    '%s: word and position rows as the builder wrote them, in a few small reads',
    async (file) => {
      for (const folder of [xlmr, bert]) {
        const config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as {
          vocab_size: number;
          max_position_embeddings: number;
        };
        const bytes = await readFile(path.join(folder, 'onnx', file));
        let reads = 0;
        const graph = await readGraphSummary({
          size: bytes.length,
          read: async (offset, length) => (reads++, bytes.subarray(offset, offset + length)),
        });
        const tables = findEmbeddingTables(graph);
        expect(tables?.words.rows).toBe(config.vocab_size);
        expect(tables?.positions?.rows).toBe(config.max_position_embeddings);
        expect(reads).toBeLessThan(10); // weights are skipped, not read
      }
    },
  );

  test('a truncated file is an error, not a wrong answer', async () => {
    const bytes = await readFile(path.join(xlmr, 'onnx', 'model.onnx'));
    const cut = bytes.subarray(0, 5000);
    await expect(readGraphSummary({ size: cut.length, read: async (o, l) => cut.subarray(o, o + l) })).rejects.toThrow(
      /truncated|overruns/,
    );
  });
});

describe('Reranker.load refuses a model whose tokenizer or config does not fit its graph', () => {
  test('tokenizer ids past the word-embedding rows: MODEL_MISMATCH naming tokenizer.json and both sizes', async () => {
    const error = await Reranker.load({ model: await tokenizerPastTable(xlmr), dtype: 'fp32' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ code: 'MODEL_MISMATCH', file: 'tokenizer.json' });
    expect((error as Error).message).toContain(String(EXTRA_TOKEN_ID));
    expect((error as Error).message).toContain('23398 rows');
  });

  test('config.json claiming 4096 positions over a 514-row position table: MODEL_MISMATCH naming config.json', async () => {
    for (const dtype of ['fp32', 'q8'] as const) {
      const error = await Reranker.load({ model: await configPastPositions(xlmr), dtype }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, dtype).toMatchObject({ name: 'ModelLoadError', code: 'MODEL_MISMATCH', file: 'config.json' });
      expect((error as Error).message).toMatch(/4094 tokens.*514 rows/);
    }
  });

  test('matching models load as before (XLM-R and BERT, every dtype)', async () => {
    for (const model of [xlmr, bert]) {
      for (const dtype of ['fp32', 'fp16', 'q8'] as const) {
        const reranker = await Reranker.load({ model, dtype });
        expect(reranker.info.maxLength).toBeGreaterThan(500);
        await reranker.dispose();
      }
    }
  });
});
