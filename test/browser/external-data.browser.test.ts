/**
 * A converted model whose fp32 weights live in external data files (model.onnx + model.onnx_data,
 * _1, ...; the layout of models over protobuf's 2 GB limit, such as ko-reranker in fp32) loads in real
 * Chromium through the worker and scores like onnxruntime-node on the single-file model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { convertModel } from '../../src/converter/node-convert.js';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { maxAbsDiff, ortLogits, padRows } from '../helpers/batches.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { launchChromium, openTestPage, startPageServer } from './harness.js';

const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];
let scratch: string;
let models: HubMirror;
let pages: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let expected: number[];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-external-'));
  const checkpoint = path.join(scratch, 'checkpoint');
  await writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: checkpoint, seed: 5, format: 'safetensors' });
  const single = path.join(scratch, 'single');
  const split = path.join(scratch, 'split');
  await convertModel({ source: checkpoint, out: single, dtypes: ['fp32'] });
  await convertModel({
    source: checkpoint,
    out: split,
    dtypes: ['fp32'],
    externalData: 'always',
    maxChunkBytes: 1_000_000,
  });
  const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(single));
  const batch = padRows(
    PASSAGES.flatMap((p) => encoder.encode(encoder.tokenize(KOREAN_QUERY), encoder.tokenize(p), 512, null)),
    encoder.padTokenId,
  );
  expected = await ortLogits(path.join(single, 'onnx/model.onnx'), batch);
  models = await startHubMirror({ models: { 'test-org/external': split } });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
  ({ page, consoleErrors } = await openTestPage(browser, pages.url));
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
  await rm(scratch, { recursive: true, force: true });
});

test('fp32 with external data files loads on WASM in Chromium and scores like the single-file model', async () => {
  const loaded = await page.evaluate(
    (host) =>
      window.rerankerTest.load({
        model: 'test-org/external',
        remoteHost: host,
        device: 'wasm',
        dtype: 'fp32',
        browserCache: false,
      } as never),
    models.url,
  );
  expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
  for (const file of ['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1']) {
    expect(
      models.requests.some((r) => r.endsWith(`/test-org/external/resolve/main/${file}`)),
      file,
    ).toBe(true);
  }
  const logits = await page.evaluate(
    ([q, passages]) => window.rerankerTest.score(passages.map((p) => [q, p] as [string, string])),
    [KOREAN_QUERY, PASSAGES] as const,
  );
  expect(logits).toHaveLength(PASSAGES.length);
  const diff = maxAbsDiff(logits, expected);
  console.log(
    `[browser] external data fp32 on WASM: max abs diff vs onnxruntime-node (single file) ${diff.toExponential(2)}`,
  );
  expect(diff).toBeLessThan(1e-4);
  expect(consoleErrors).toEqual([]);
});
