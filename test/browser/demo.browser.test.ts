/**
 * The demo page in real Chromium, as a user drives it: keyboard search, reranked results whose order
 * follows the scores, uploads (good and malformed), passages with markup shown as text, and a plain
 * statement when the hub cannot be reached. Screenshots are kept in test-results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HUB_URL, blockHub, launchChromium, startPageServer } from './harness.js';

let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let page: Page;
/** Hub requests refused by routing: the hub is unreachable by construction, not because this machine is offline. */
let hubRefused: string[] = [];
const consoleErrors: string[] = [];
/** Every URL the page and its workers asked for, in order, and the count when the first search was submitted. */
const requested: string[] = [];
let requestsBeforeFirstSearch = -1;

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js');
  await mkdir('test-results', { recursive: true });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
  page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  hubRefused = await blockHub(page.context());
  page.on('console', (message) => {
    // The one expected failure: the hub probe, refused by routing (the page says so in words).
    if (message.type() === 'error' && !HUB_URL.test(message.location().url)) consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(pages.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('준비됨'), undefined, {
    timeout: 60_000,
  });
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

async function search(query: string): Promise<Array<{ text: string; score: number; firstStageRank: number }>> {
  if (requestsBeforeFirstSearch < 0) requestsBeforeFirstSearch = requested.length;
  await page.focus('#query');
  await page.fill('#query', query);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => /재순위화 \d+ ms|오류|없습니다/.test(document.getElementById('status')?.textContent ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  return page.$$eval('#results li', (items) =>
    items.map((li) => ({
      text: li.querySelector('p')!.textContent!,
      score: Number(li.dataset['score']),
      firstStageRank: Number(li.dataset['firstStageRank']),
    })),
  );
}

test('without the hub the page says so plainly and selects the generated model', async () => {
  expect(hubRefused.length).toBeGreaterThan(0); // the page did ask the hub
  expect(await page.isVisible('#notice')).toBe(true);
  expect(await page.textContent('#notice')).toContain('cannot be reached');
  expect(await page.inputValue('#model-select')).toBe('/models/demo-xlmr');
  expect(await page.textContent('#corpus-status')).toMatch(/샘플 문서: \d{3}개 문서/);
});

test('warm start: the model loads in its worker when the page opens, before any search', async () => {
  expect(requestsBeforeFirstSearch).toBe(-1); // nothing typed yet
  // The status says what is loaded, from the worker's ready state, without a search.
  expect(await page.textContent('#status')).toMatch(
    /^준비됨\. wasm \/ q8, \d 스레드 · demo-xlmr · 무작위 가중치 \(random weights\) — 질문을 입력하세요\.$/,
  );
  expect(page.workers().some((worker) => worker.url().includes('reranker.worker'))).toBe(true);
  const modelFiles = requested
    .filter((url) => url.includes('/models/demo-xlmr/'))
    .map((url) => new URL(url).pathname.replace('/models/demo-xlmr/', ''));
  expect(modelFiles).toEqual(
    expect.arrayContaining(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']),
  );
});

test('search then rerank: results follow the rerank scores and show how far each moved', async () => {
  const results = await search('기준금리는 누가 결정하나요?');
  expect(results.length).toBeGreaterThan(3);
  const scores = results.map((r) => r.score);
  expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  // BM25 ranks are a permutation of 1..n and at least one result moved.
  expect(results.map((r) => r.firstStageRank).sort((a, b) => a - b)).toEqual(results.map((_, i) => i + 1));
  expect(results.some((r, i) => r.firstStageRank !== i + 1)).toBe(true);
  // Korean status line, naming the model folder, not its full URL.
  const status = (await page.textContent('#status')) ?? '';
  expect(status).toMatch(
    /^BM25 [\d.]+ ms · (모델 준비 [\d.]+ s · )?재순위화 \d+ ms \(\d+개\) · wasm \/ q8, \d 스레드 · demo-xlmr · 무작위 가중치 \(random weights\)$/,
  );
  expect(status).not.toMatch(/https?:|compile|warm-up/);
  expect(status).not.toMatch(/모델 준비/); // loaded at page open: the search did not wait for it
  // The search asked for no model file: all of them were read before it.
  expect(requested.slice(requestsBeforeFirstSearch).filter((url) => url.includes('/models/demo-xlmr/'))).toEqual([]);
  await page.screenshot({ path: 'test-results/demo-desktop.png', fullPage: true });
  expect(consoleErrors).toEqual([]);
});

test('partial rankings reorder the list while the model works; a repeat comes from the cache; a time budget shows its plan', async () => {
  await page.evaluate(() => {
    const list = document.getElementById('results')!;
    const seen: string[] = [];
    (window as unknown as { stages: string[] }).stages = seen;
    new MutationObserver(() => seen.push(list.dataset['stage'] ?? '')).observe(list, { childList: true });
  });
  const query = '한국은행 통화정책 결정 과정';
  const results = await search(query);
  const stages = await page.evaluate(() => (window as unknown as { stages: string[] }).stages);
  expect(stages[0]).toBe('bm25');
  expect(stages).toContain('partial');
  expect(stages.at(-1)).toBe('reranked');

  const again = await search(query);
  expect(again).toEqual(results);
  expect(await page.textContent('#status')).toMatch(new RegExp(` · 캐시 ${results.length}개$`));

  await page.click('#model-panel summary');
  await page.selectOption('#budget-select', '500');
  await search('금융통화위원회 회의는 몇 번 열리나요?');
  expect(await page.textContent('#status')).toMatch(/ · 예산 500 ms: \d+\/\d+개를 \d+ 토큰까지 \(예측 \d+ ms\)/);
  await page.selectOption('#budget-select', '');
  await page.click('#model-panel summary');
  expect(consoleErrors).toEqual([]);
});

test('a malformed upload shows a clear message and keeps the previous corpus', async () => {
  const before = await page.textContent('#corpus-status');
  await page.click('#corpus-panel summary');
  const file = path.join(os.tmpdir(), `broken-${process.pid}.jsonl`);
  await writeFile(file, '{"text": "좋은 줄"}\n{"text": 깨진 줄}\n');
  await page.setInputFiles('#corpus-file', file);
  await page.waitForFunction(() => (document.getElementById('corpus-error')?.textContent ?? '') !== '');
  expect(await page.textContent('#corpus-error')).toContain('line 2: not valid JSON');
  expect(await page.textContent('#corpus-status')).toBe(before);
  expect((await search('기준금리')).length).toBeGreaterThan(0); // still the sample corpus
});

test('a passage with markup is shown as text and nothing in it runs', async () => {
  const file = path.join(os.tmpdir(), `markup-${process.pid}.jsonl`);
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> 금리 인상 소식 <b>굵게</b>';
  await writeFile(file, `${JSON.stringify({ text: hostile })}\n${JSON.stringify({ text: '금리와 물가의 관계' })}\n`);
  await page.setInputFiles('#corpus-file', file);
  await page.waitForFunction(() =>
    /markup-.*: 2개 문서/.test(document.getElementById('corpus-status')?.textContent ?? ''),
  );
  const results = await search('금리 인상');
  expect(results.map((r) => r.text)).toContain(hostile);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.$$eval('#results img, #results script, #results b', (nodes) => nodes.length)).toBe(0);
  expect(consoleErrors).toEqual([]);
});

test('readable on a phone: no horizontal scrolling, controls reachable by keyboard', async () => {
  await page.click('#use-sample');
  await page.setViewportSize({ width: 390, height: 844 });
  await search('연말정산 공제');
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  // The bilingual notice is one collapsed line, not ~40% of the screen.
  const notice = await page.$eval('#notice', (el) => ({
    open: (el as HTMLDetailsElement).open,
    height: el.getBoundingClientRect().height,
  }));
  expect(notice.open).toBe(false);
  expect(notice.height).toBeLessThan(844 * 0.15);
  // The cancel button stays on the line of the query box and the search button.
  const boxes = await page.$$eval('#query, #search button', (nodes) =>
    nodes.map((n) => n.getBoundingClientRect().toJSON() as DOMRect),
  );
  const [query, ...buttons] = boxes;
  for (const button of buttons) {
    const middle = button.top + button.height / 2;
    expect(middle).toBeGreaterThan(query!.top);
    expect(middle).toBeLessThan(query!.bottom);
  }
  await page.screenshot({ path: 'test-results/demo-phone.png', fullPage: false });
  // Tab from the query box reaches the search button.
  await page.focus('#query');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('검색');
});
