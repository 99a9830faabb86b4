/**
 * The framework adapters in Chromium over the worker reranker (WASM, fp32): the real `ai` package's
 * rerank() and LangChain's compressor give the ranking onnxruntime-node gives for the same model and
 * texts, with the worker's backend in the metadata, and the AI SDK's abort signal stops the call.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { launchChromium, openTestPage, startPageServer } from './harness.js';

const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];
/** WASM and native fp32 kernels agree to about 1e-6 on this model; more would be a different computation. */
const TOLERANCE = 1e-4;

let models: HubMirror;
let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let page: Page;
let engine: Reranker;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'fp32' });
  models = await startHubMirror({ models: { 'test-org/tiny-xlmr': folder } });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
  ({ page } = await openTestPage(browser, pages.url, 'adapters'));
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
  await engine?.dispose();
});

function expectSame(
  actual: Array<{ index: number; score: number }>,
  expected: Array<{ index: number; score: number }>,
) {
  expect(actual.map((r) => r.index)).toEqual(expected.map((r) => r.index));
  actual.forEach((r, i) => expect(Math.abs(r.score - expected[i]!.score)).toBeLessThan(TOLERANCE));
}

test("ai's rerank() and LangChain's compressor over the worker rank like onnxruntime-node; abort stops the call", async () => {
  const result = await page.evaluate(([host, q, docs]) => window.adaptersTest.run(host, q, docs), [
    models.url,
    KOREAN_QUERY,
    PASSAGES,
  ] as const);
  expectSame(result.strings, await engine.rank(KOREAN_QUERY, PASSAGES, { topK: 3 }));
  const titled = PASSAGES.map((body, i) => `제목 ${i}\n${body}`);
  expectSame(result.objects, await engine.rank(KOREAN_QUERY, titled));
  expectSame(
    result.langchain.map(({ i, score }) => ({ index: i, score })),
    await engine.rank(KOREAN_QUERY, PASSAGES, { topK: 3 }),
  );
  expect(result.metadata).toMatchObject({ backend: 'wasm', dtype: 'fp32', model: 'test-org/tiny-xlmr' });
  expect(result.abortOutcome).toBe('AbortError');
});
