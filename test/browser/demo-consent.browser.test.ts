/**
 * The demo's default model and the consent rule, in real Chromium (issue 21, item 3): at page open with
 * the hub reachable, no file above the threshold is requested, the choice and its reason are shown, the
 * first search ranks with the first stage and says why; a click starts the download; on a connection
 * that asks to save data nothing is downloaded by itself, however small.
 *
 * The hub is this test's: every request to it is answered by routing (its config probe, and a generated
 * tiny model's files under whichever catalog id the page asks for), and recorded.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CATALOG, downloadBytes } from '../../src/catalog/rerankers.js';
import { DOWNLOAD_CONSENT_BYTES } from '../../src/demo/model-choice.js';
import { testModel } from '../helpers/models.js';
import { HUB_URL, blockHub, launchChromium, startPageServer } from './harness.js';

let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let tinyModel: string;

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js');
  tinyModel = await testModel('tiny-xlmr');
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

/** Answers the hub from the tiny model's folder, for any model id; returns the files asked for. */
async function serveHub(context: BrowserContext): Promise<Array<{ model: string; file: string }>> {
  const asked: Array<{ model: string; file: string }> = [];
  await context.route(HUB_URL, async (route) => {
    const url = new URL(route.request().url());
    const match = /^\/(.+)\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    if (!match) return route.fulfill({ status: 404 });
    asked.push({ model: match[1]!, file: match[2]! });
    try {
      const body = await readFile(path.join(tinyModel, match[2]!));
      return route.fulfill({
        status: 200,
        body,
        headers: { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' },
      });
    } catch {
      return route.fulfill({ status: 404, headers: { 'access-control-allow-origin': '*' } });
    }
  });
  return asked;
}

/** Makes the page (and its workers' view of the page) report a connection that asks to save data. */
async function saveData(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'connection', {
      configurable: true,
      get: () => ({ saveData: true, effectiveType: '4g', addEventListener() {}, removeEventListener() {} }),
    });
  });
}

async function openDemo(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(pages.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('준비됨'), undefined, {
    timeout: 60_000,
  });
  return { page, errors };
}

async function search(page: Page, query: string): Promise<string> {
  await page.fill('#query', query);
  await page.press('#query', 'Enter');
  await page.waitForFunction(
    () => /재순위화 \d+ ms|1단계\(BM25\) 결과|오류|없습니다/.test(document.getElementById('status')?.textContent ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  return (await page.textContent('#status')) ?? '';
}

const onnxFiles = (asked: Array<{ model: string; file: string }>) => asked.filter((a) => a.file.endsWith('.onnx'));

test('every Korean model in the picker is above the consent threshold (so the default always asks)', () => {
  const korean = CATALOG.filter((e) => e.korean && e.onnx);
  expect(korean.length).toBeGreaterThanOrEqual(4);
  for (const entry of korean) expect(downloadBytes(entry, 'q8')).toBeGreaterThan(DOWNLOAD_CONSENT_BYTES);
});

test('page open: no big download starts; the choice, its reason and the consent button are shown; the first search says why it is BM25; a click downloads', async () => {
  const context = await browser.newContext();
  const asked = await serveHub(context);
  const { page, errors } = await openDemo(context);

  // The device probe (one generated layer per geometry, in a worker) answers; the default is chosen
  // from its predictions (at once, or again when it lands after the first choice from the prior).
  await page.waitForFunction(
    () => document.getElementById('model-choice')?.textContent?.includes('이 기기에서 측정: wasm'),
    undefined,
    { timeout: 180_000 },
  );
  // The hub answered (config probe), so a catalog model is the default, not the generated one.
  const chosen = await page.inputValue('#model-select');
  const entry = CATALOG.find((e) => e.id === chosen);
  expect(entry, `chosen: ${chosen}`).toBeDefined();
  const choiceText = (await page.textContent('#model-choice')) ?? '';
  expect(choiceText).toContain(`자동 선택: ${entry!.label}`);
  expect(choiceText).toMatch(/예산|예상/); // the reason names the prediction and the budget
  expect(await page.isVisible('#model-choice')).toBe(true);
  expect(await page.isVisible('#consent')).toBe(true);
  expect(await page.textContent('#consent-text')).toContain('동의가 필요');
  expect(await page.textContent('#consent-button')).toMatch(/^내려받기 \(\d+ MB\)$/);
  // The picker shows each model's size and predicted time.
  const labels = await page.$$eval('#model-select option', (options) => options.map((o) => o.textContent ?? ''));
  expect(labels.filter((l) => / MB|GB/.test(l) && /예상 [\d.]+ (ms|s)/.test(l)).length).toBeGreaterThanOrEqual(5);

  // Nothing but the hub probe's config was fetched: no model weights, no tokenizer.
  expect(onnxFiles(asked)).toEqual([]);
  expect(asked.every((a) => a.file === 'config.json')).toBe(true);
  expect(page.workers().some((w) => w.url().includes('reranker.worker'))).toBe(false);

  // The first search uses what is ready (the first stage) and says why.
  const status = await search(page, '기준금리는 누가 결정하나요?');
  expect(status).toMatch(/^1단계\(BM25\) 결과입니다\. 재순위화 모델을 내려받지 않았습니다 — .*동의가 필요합니다\.$/);
  expect(await page.$eval('#results', (list) => (list as HTMLElement).dataset['stage'])).toBe('bm25');
  expect(onnxFiles(asked)).toEqual([]);

  // Consent: the download starts (the chosen model's weights are requested) and the model loads.
  await page.click('#consent-button');
  await page.waitForFunction(
    () => /^준비됨\. wasm/.test(document.getElementById('status')?.textContent ?? ''),
    undefined,
    {
      timeout: 120_000,
    },
  );
  // (The engine reads the file's head for its input shapes, then transformers.js fetches it: two requests.)
  expect(onnxFiles(asked).length).toBeGreaterThan(0);
  expect(new Set(onnxFiles(asked).map((a) => `${a.model}/${a.file}`))).toEqual(
    new Set([`${chosen}/onnx/model_quantized.onnx`]),
  );
  expect(await page.isVisible('#consent')).toBe(false);
  expect(await search(page, '기준금리는 누가 결정하나요?')).toMatch(/재순위화 \d+ ms/);
  expect(errors).toEqual([]);

  // Once in the browser's cache, the model loads at the next visit without asking.
  const again = await openDemo(context);
  await again.page.waitForFunction(
    () => /^준비됨\. wasm/.test(document.getElementById('status')?.textContent ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  expect(await again.page.isVisible('#consent')).toBe(false);
  await context.close();
});

test('saveData: nothing downloads by itself, not even the small generated model; the reason is shown; a click still downloads', async () => {
  const context = await browser.newContext();
  await saveData(context);
  await blockHub(context); // offline: the small generated model is the choice
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  const { page, errors } = await openDemo(context);
  expect(await page.inputValue('#model-select')).toBe('/models/demo-xlmr');
  expect(await page.isVisible('#consent')).toBe(true);
  expect(await page.textContent('#consent-text')).toContain('데이터 절약 모드(saveData)');
  expect(requested.filter((url) => url.includes('/models/demo-xlmr/'))).toEqual([]);

  await page.click('#consent-button');
  await page.waitForFunction(
    () => /^준비됨\. wasm/.test(document.getElementById('status')?.textContent ?? ''),
    undefined,
    {
      timeout: 120_000,
    },
  );
  expect(requested.some((url) => url.endsWith('/models/demo-xlmr/onnx/model_quantized.onnx'))).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
});

test('saveData with the hub reachable: the big default is not fetched either, and the reason says saveData', async () => {
  const context = await browser.newContext();
  await saveData(context);
  const asked = await serveHub(context);
  const { page } = await openDemo(context);
  expect(await page.textContent('#consent-text')).toContain('데이터 절약 모드(saveData)');
  expect(onnxFiles(asked)).toEqual([]);
  await context.close();
});
