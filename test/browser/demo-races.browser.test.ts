/**
 * The demo in real Chromium under the ordinary use that used to break it (issue 12, items 1-4 and 6):
 * cancelling or superseding a search while the model ranks, choosing corpora in quick succession,
 * changing the corpus under a running search, one huge document, and model choices that cannot load.
 *
 * The reranker here is a generated model large enough (4 layers x 256) that ranking 30 long passages
 * takes a while on WASM, so "while it ranks" is a real window. Every change of the result list is
 * recorded in the page (MutationObserver), so a stale paint is caught even if it is painted over later.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CATALOG } from '../../src/catalog/rerankers.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { generatedModel } from '../helpers/models.js';
import { HUB_URL, blockHub, launchChromium, startPageServer } from './harness.js';

const MEDIUM = {
  architecture: 'xlm-roberta',
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 4,
  intermediateSize: 1024,
  maxLength: 512,
  description: 'slow enough to cancel',
} as const;

function mediumModel(): Promise<string> {
  return generatedModel('demo-races-medium', { preset: MEDIUM, seed: 3, dtypes: ['q8'] });
}

/** Generous: a cold load and ranking 30 long passages on 2 busy cores; nothing here asserts on time. */
const LONG = 400_000;

let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let models: HubMirror;
let page: Page;
let loads = 0;
/** Hub requests refused by routing: the hub is unreachable by construction, not because this machine is offline. */
let hubRefused: string[] = [];
const consoleErrors: string[] = [];
const scratch = path.join(os.tmpdir(), `demo-races-${process.pid}`);

/** 30 long passages about the base rate (each fills the model's 512 tokens), plus one of 126,000 characters. */
function longCorpus(): string {
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const body = Array.from(
      { length: 60 },
      (_, j) => `기준금리 결정 ${i}번 문단 ${j}: 금융통화위원회는 물가와 경기를 살펴 금리를 정합니다.`,
    ).join(' ');
    lines.push(JSON.stringify({ title: `금리 문서 ${i}`, text: body }));
  }
  lines.push(JSON.stringify({ title: '아주 긴 문서', text: `기준금리 ${'가나다라마바사'.repeat(18_000)}` }));
  lines.push(JSON.stringify({ text: '오늘 서울은 맑습니다.' }));
  return `${lines.join('\n')}\n`;
}

async function upload(name: string, content: string): Promise<void> {
  const file = path.join(scratch, name);
  await writeFile(file, content);
  await page.setInputFiles('#corpus-file', file);
}

async function waitCorpus(pattern: RegExp): Promise<void> {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.getElementById('corpus-status')?.textContent ?? ''),
    pattern.source,
    { timeout: 120_000 },
  );
}

const DONE = /재순위화 \d+ ms|재순위화하지 못해|없습니다|취소/;

async function submit(query: string): Promise<void> {
  await page.fill('#query', query);
  await page.press('#query', 'Enter');
}

async function searchToEnd(query: string): Promise<string> {
  await submit(query);
  await page.waitForFunction(
    ([source, q]) =>
      new RegExp(source!).test(document.getElementById('status')?.textContent ?? '') &&
      document.getElementById('results')?.dataset['query'] === q,
    [DONE.source, query],
    { timeout: 180_000 },
  );
  return (await page.textContent('#status')) ?? '';
}

/** Every state the result list has been in since the page opened: "stage:query:items". */
const paints = () => page.evaluate(() => (window as unknown as { __paints: string[] }).__paints);

async function useMediumModel(): Promise<void> {
  await page.click('#model-panel summary');
  await page.selectOption('#model-select', 'custom');
  await page.fill('#custom-model', `${models.url}/test-org/medium/resolve/main`);
}

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js');
  await mkdir(scratch, { recursive: true });
  await mkdir('test-results', { recursive: true });
  models = await startHubMirror({ models: { 'test-org/medium': await mediumModel() } });
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
  page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
  hubRefused = await blockHub(page.context());
  page.on('console', (message) => {
    // Expected network failures, each stated in words on the page: the hub, refused by routing.
    if (message.type() === 'error' && !HUB_URL.test(message.location().url) && !/huggingface\.co/.test(message.text()))
      consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  // Every test here builds on the page state of the one before: a reload would invalidate them all.
  page.on('load', () => loads++);
  await page.goto(pages.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('준비됨'), undefined, {
    timeout: 60_000,
  });
  await page.evaluate(() => {
    // Diagnostics, printed when a corpus test fails: which choices the page saw, in which order.
    const trace: string[] = ((window as unknown as { __trace: string[] }).__trace = []);
    const input = document.getElementById('corpus-file') as HTMLInputElement;
    input.addEventListener('change', () => trace.push(`change ${input.files?.[0]?.name}`), { capture: true });
    for (const id of ['corpus-status', 'corpus-error']) {
      const node = document.getElementById(id)!;
      new MutationObserver(() => trace.push(`${id}: ${node.textContent}`)).observe(node, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    }
    const list = document.getElementById('results')!;
    const log: string[] = ((window as unknown as { __paints: string[] }).__paints = []);
    new MutationObserver(() =>
      log.push(`${list.dataset['stage'] ?? ''}:${list.dataset['query'] ?? ''}:${list.children.length}`),
    ).observe(list, {
      childList: true,
      attributes: true,
    });
  });
  await useMediumModel();
  await page.click('#corpus-panel summary');
  await upload('long.jsonl', longCorpus());
  await waitCorpus(/long\.jsonl: 32개 문서/);
});

afterAll(async () => {
  expect(loads).toBe(1);
  await browser?.close();
  await pages?.close();
  await models?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('item 4: one very long document', { timeout: LONG }, () => {
  test('a 126,000-character document is cut, not fatal: the search reranks and shows it', async () => {
    const status = await searchToEnd('기준금리 결정');
    expect(status).toMatch(/재순위화 \d+ ms \(30개\)/);
    expect(await page.$$eval('#results li[data-score]', (items) => items.length)).toBe(30);
    // Shown elided, never the whole 126,000 characters.
    const lengths = await page.$$eval('#results li p', (items) => items.map((p) => p.textContent!.length));
    expect(Math.max(...lengths)).toBeLessThan(2000);
    expect(consoleErrors).toEqual([]);
  });
});

describe('item 1: cancelled and superseded searches never paint', { timeout: LONG }, () => {
  test('cancel while the model ranks: the reranked results of that search never appear', async () => {
    await submit('금통위 물가 경기');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('재순위화 중'));
    await page.click('#cancel');
    expect(await page.textContent('#status')).toMatch(/취소했습니다/);
    expect(await page.isDisabled('#cancel')).toBe(true);
    // The next search queues behind the cancelled one in the worker, so when it is done the cancelled one is too.
    await searchToEnd('금리 문단');
    expect((await paints()).filter((p) => p.startsWith('reranked:금통위 물가 경기'))).toEqual([]);
    expect((await paints()).at(-1)).toBe('reranked:금리 문단:30');
  });

  test('cancel after a partial ranking painted: the scored part stays, labelled cancelled, and nothing says it waits', async () => {
    // Clicks cancel in the same task as the first partial paint, so the search cannot finish in between.
    const cancelledOnPartial = page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const list = document.getElementById('results')!;
          const observer = new MutationObserver(() => {
            if (list.dataset['stage'] !== 'partial') return;
            observer.disconnect();
            document.getElementById('cancel')!.click();
            resolve();
          });
          observer.observe(list, { attributes: true, childList: true });
        }),
    );
    await submit('금리 결정 문단 물가');
    await cancelledOnPartial;
    const status = (await page.textContent('#status')) ?? '';
    expect(status).toMatch(/재순위화를 취소했습니다\. 채점을 마친 \d+개는 점수 순으로 앞에, 나머지 \d+개는/);
    const [, scored, rest] = /마친 (\d+)개.*나머지 (\d+)개/.exec(status)!;
    const list = await page.$eval('#results', (node) => ({
      stage: node.dataset['stage'],
      scored: node.querySelectorAll('li[data-score]').length,
      items: node.children.length,
      metas: [...node.querySelectorAll('.meta')].map((m) => m.textContent ?? ''),
    }));
    expect(list.stage).toBe('cancelled');
    expect(list.scored).toBe(Number(scored));
    expect(list.items - list.scored).toBe(Number(rest));
    expect(Number(rest)).toBeGreaterThan(0); // a real partial: the list was cancelled before it was complete
    expect(list.metas.filter((m) => m.includes('채점 대기 중'))).toEqual([]);
    expect(list.metas.filter((m) => m.includes('취소되어 채점하지 않음'))).toHaveLength(Number(rest));
    // The cancelled search's final ranking never paints over it.
    await searchToEnd('금리 문단');
    expect((await paints()).filter((p) => p.startsWith('reranked:금리 결정 문단 물가'))).toEqual([]);
  });

  test('a second query while the first ranks: only the second query is painted, reranked', async () => {
    await submit('물가 경기 살펴');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('재순위화 중'));
    await searchToEnd('금리를 정합니다');
    expect((await paints()).filter((p) => p.startsWith('reranked:물가 경기 살펴'))).toEqual([]);
    expect(await page.$eval('#results', (list) => list.dataset['query'])).toBe('금리를 정합니다');
    expect(consoleErrors).toEqual([]);
  });
});

/** A TXT file at the demo's passage limit: it takes a while to index, in chunks. */
const bigText = (label: string) =>
  Array.from(
    { length: 20_000 },
    (_, i) =>
      `${label} ${i}번째 문단입니다. 기준금리와 환율과 물가 이야기가 길게 이어지고, 금융시장과 가계부채 이야기도 나옵니다.`,
  ).join('\n\n');

/** The big file is being indexed (the race the user creates: a second choice while the first is busy). */
const untilIndexing = () =>
  page.waitForFunction(() => document.getElementById('corpus-status')?.textContent?.startsWith('색인 중'), undefined, {
    timeout: 60_000,
  });

describe('items 2 and 3: corpus choices', { timeout: LONG }, () => {
  test('a search running while the corpus changes never applies its hits to the new corpus', async () => {
    await submit('위원회 물가');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('재순위화 중'));
    await page.click('#use-sample');
    await waitCorpus(/샘플 문서: \d{3}개 문서/);
    expect(await page.textContent('#status')).toMatch(/문서 모음이 바뀌어/);
    await searchToEnd('기준금리는 누가 결정하나요?');
    expect((await paints()).filter((p) => p.startsWith('reranked:위원회 물가'))).toEqual([]);
    expect(await page.$$eval('#results li[data-score]', (items) => items.length)).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
  });

  test('a big upload followed at once by a small one: the small one (the last choice) wins', async () => {
    await upload('big.txt', bigText('큰 파일'));
    await untilIndexing();
    await upload(
      'small.jsonl',
      `${JSON.stringify({ text: '기준금리는 금통위가 정합니다.' })}\n${JSON.stringify({ text: '환율 이야기' })}\n`,
    );
    await waitCorpus(/small\.jsonl: 2개 문서/);
    const corpusStates: string[] = [];
    await page.exposeFunction('__corpusState', (text: string) => corpusStates.push(text));
    await page.evaluate(() => {
      const node = document.getElementById('corpus-status')!;
      new MutationObserver(() =>
        (window as unknown as { __corpusState(t: string): void }).__corpusState(node.textContent ?? ''),
      ).observe(node, { childList: true, characterData: true, subtree: true });
    });
    await searchToEnd('기준금리'); // the big file's indexing, had it gone on, finishes meanwhile
    expect(await page.textContent('#corpus-status')).toBe('small.jsonl: 2개 문서');
    expect(corpusStates.filter((s) => s.includes('big.txt'))).toEqual([]);
    expect(await page.$$eval('#results li', (items) => items.length)).toBe(1);
  });

  test('a big upload followed by a broken one: the error stays and the big file never replaces the corpus', async () => {
    await upload('big2.txt', bigText('두 번째 큰 파일'));
    await untilIndexing();
    await upload('broken.jsonl', '{"text": "좋은 줄"}\n{"text": 깨진 줄}\n');
    await page.waitForFunction(() => (document.getElementById('corpus-error')?.textContent ?? '') !== '');
    await searchToEnd('기준금리');
    const trace = (await page.evaluate(() => (window as unknown as { __trace: string[] }).__trace)).filter(
      (t) => !t.includes('색인 중'),
    );
    console.log(`[corpus trace] ${trace.slice(-12).join('\n')}`);
    expect(await page.textContent('#corpus-error')).toContain('line 2: not valid JSON');
    // Latest wins: once broken.jsonl was chosen, big2.txt never becomes the corpus. (On a loaded machine
    // big2.txt may finish indexing before the second choice is made: then it rightly is the corpus.)
    const secondChoice = trace.lastIndexOf('change broken.jsonl');
    expect(secondChoice).toBeGreaterThan(-1);
    const appliedBefore = trace.slice(0, secondChoice).some((t) => t === 'corpus-status: big2.txt: 20000개 문서');
    expect(trace.slice(secondChoice).filter((t) => t.startsWith('corpus-status: big2.txt'))).toEqual([]);
    expect(await page.textContent('#corpus-status')).toBe(
      appliedBefore ? 'big2.txt: 20000개 문서' : 'small.jsonl: 2개 문서',
    );
    expect(consoleErrors).toEqual([]);
    if (appliedBefore) {
      // The tests below search the two-passage corpus.
      await upload(
        'small.jsonl',
        `${JSON.stringify({ text: '기준금리는 금통위가 정합니다.' })}\n${JSON.stringify({ text: '환율 이야기' })}\n`,
      );
      await waitCorpus(/small\.jsonl: 2개 문서/);
    }
  });
});

describe('item 6: model choices that cannot load, said plainly', { timeout: LONG }, () => {
  test('"model folder from disk" with no folder picked fetches nothing and keeps the first-stage results', async () => {
    const before = models.requests.length;
    await page.selectOption('#model-select', 'folder');
    const status = await searchToEnd('기준금리는');
    expect(status).toMatch(/^재순위화하지 못해 1단계\(BM25\) 결과를 보여 줍니다 — 아직 모델 폴더를 고르지 않았습니다/);
    expect(await page.$eval('#results', (list) => list.dataset['stage'])).toBe('bm25');
    expect(await page.$$eval('#results li', (items) => items.length)).toBe(1);
    expect(models.requests.length).toBe(before);
  });

  test('a URL that answers with a web page is called "not a model folder", not a JSON parse error', async () => {
    await page.selectOption('#model-select', 'custom');
    await page.fill('#custom-model', `${pages.url}/this-is-not-a-model`);
    const status = await searchToEnd('금통위가 정합니다');
    expect(status).toContain('은(는) 모델 폴더가 아닙니다');
    expect(await page.$$eval('#results li', (items) => items.length)).toBe(1);
  });

  test('hub models are marked unreachable when the hub cannot be reached, and choosing one says why it cannot load', async () => {
    const probed = hubRefused.length;
    expect(probed).toBeGreaterThan(0); // the page asked the hub, and routing refused it
    const labels = await page.$$eval('#model-select option', (options) => options.map((o) => o.textContent ?? ''));
    expect(labels.filter((l) => l.includes('연결할 수 없음'))).toHaveLength(CATALOG.filter((e) => e.onnx).length);
    await page.selectOption('#model-select', 'Xenova/ms-marco-MiniLM-L-6-v2');
    const status = await searchToEnd('기준금리 금통위');
    expect(status).toContain('모델 "Xenova/ms-marco-MiniLM-L-6-v2"을(를) 내려받을 수 없습니다');
    expect(hubRefused.slice(probed).some((url) => url.includes('Xenova/ms-marco-MiniLM-L-6-v2'))).toBe(true);
    expect(status).not.toContain('<');
    await page.screenshot({ path: 'test-results/demo-model-error.png' });
    expect(consoleErrors).toEqual([]);
  });
});
