/** The demo's default model and its download rule (pure logic; the page is tested in test/browser/demo-consent). */
import { expect, test } from 'vitest';
import { CATALOG, catalogEntry } from '../../src/catalog/rerankers.js';
import {
  DOWNLOAD_CONSENT_BYTES,
  type ModelOption,
  chooseDefaultModel,
  downloadGate,
} from '../../src/demo/model-choice.js';

const option = (id: string, predictedMs: number, bytes = 200e6): ModelOption => ({
  entry: catalogEntry(id)!,
  bytes,
  predictedMs,
});
const MINILM_EN = 'Xenova/ms-marco-MiniLM-L-6-v2';
const MMINILM = 'Xenova/mmarco-mMiniLMv2-L12-H384-v1';
const BASE = 'Xenova/bge-reranker-base';
const V2M3 = 'onnx-community/bge-reranker-v2-m3-ONNX';

test('the best Korean model whose predicted time fits the budget is chosen', () => {
  const options = [option(MINILM_EN, 100), option(MMINILM, 900), option(BASE, 1800), option(V2M3, 6000)];
  expect(chooseDefaultModel(options, 2000)!.option.entry.id).toBe(BASE);
  expect(chooseDefaultModel(options, 1000)!.option.entry.id).toBe(MMINILM);
  expect(chooseDefaultModel(options, 10_000)!.option.entry.id).toBe(V2M3);
  expect(chooseDefaultModel(options, 2000)!.reason).toMatch(/예상 1\.8 s: 예산 2\.0 s 안에/);
});

test('when no Korean model fits, the fastest Korean one, never the English-only model however fast', () => {
  const options = [option(MINILM_EN, 50), option(MMINILM, 2500), option(BASE, 9000)];
  const choice = chooseDefaultModel(options, 2000)!;
  expect(choice.option.entry.id).toBe(MMINILM);
  expect(choice.reason).toContain('안에 드는 한국어 모델이 없어');
  expect(chooseDefaultModel([option(MINILM_EN, 50)], 2000)).toBeNull();
});

test('ko-reranker, which has no ONNX export, is never the default', () => {
  const options = CATALOG.map((e) => ({ entry: e, bytes: 1, predictedMs: 1 }));
  expect(chooseDefaultModel(options, 2000)!.option.entry.onnx).toBe(true);
});

test('downloads above the threshold wait for consent; saveData stops every download; cache or consent lets it start', () => {
  const base = { cached: false, consented: false, saveData: false };
  expect(downloadGate({ ...base, bytes: DOWNLOAD_CONSENT_BYTES })).toEqual({ start: true });
  const big = downloadGate({ ...base, bytes: DOWNLOAD_CONSENT_BYTES + 1 });
  expect(big.start).toBe(false);
  expect(big.start === false && big.reason).toContain('동의가 필요');
  const saving = downloadGate({ ...base, bytes: 1_300_000, saveData: true });
  expect(saving.start === false && saving.reason).toContain('saveData');
  expect(downloadGate({ ...base, bytes: 600e6, saveData: true, consented: true })).toEqual({ start: true });
  expect(downloadGate({ ...base, bytes: 600e6, saveData: true, cached: true })).toEqual({ start: true });
});
