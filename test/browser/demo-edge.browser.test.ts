/**
 * The demo ranking through the edge rerank service (issue 13 item 6): the real service (src/server) on a
 * loopback port with a generated model and CORS for the demo's origin, chosen in the demo's model picker.
 * The order on screen must be the service's own order for the same query and candidates.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { testModel } from '../helpers/models.js';
import { launchChromium, startPageServer } from './harness.js';

let browser: Browser;
let pages: { url: string; close(): Promise<void> };
let edge: RunningServer;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  await import('../../scripts/ensure-demo-model.js');
  pages = await startPageServer({ isolated: true });
  edge = await startServer({
    model: await testModel('tiny-xlmr'),
    dtype: 'fp32',
    port: 0,
    host: '127.0.0.1',
    corsOrigins: [pages.url],
    log: false,
  });
  await edge.service.ready;
  browser = await launchChromium({ webgpu: false });
  page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
  page.on('console', (message) => {
    // Expected: the hub probe (no internet here) and the refused connection of the last test, both said in words on the page.
    if (
      message.type() === 'error' &&
      !/huggingface\.co|ERR_CONNECTION_REFUSED/.test(message.location().url + message.text())
    )
      consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.goto(pages.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('준비됨'), undefined, {
    timeout: 60_000,
  });
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await edge?.close(0);
});

const DONE = /재순위화 \d+ ms|재순위화하지 못해/;

async function search(query: string): Promise<string> {
  await page.fill('#query', query);
  await page.press('#query', 'Enter');
  await page.waitForFunction(
    ([source, q]) =>
      new RegExp(source!).test(document.getElementById('status')?.textContent ?? '') &&
      document.getElementById('results')?.dataset['query'] === q,
    [DONE.source, query],
    { timeout: 120_000 },
  );
  return (await page.textContent('#status')) ?? '';
}

async function chooseEdge(endpoint: string): Promise<void> {
  if (!(await page.$eval('#model-panel', (panel) => (panel as HTMLDetailsElement).open)))
    await page.click('#model-panel summary');
  await page.selectOption('#model-select', 'edge');
  await page.fill('#edge-endpoint', endpoint);
  await page.press('#edge-endpoint', 'Tab'); // commits the address (change event)
}

test('the demo can rank with the edge service: the order on screen is the service order', async () => {
  await chooseEdge(edge.url);
  expect(await page.isVisible('#edge-endpoint')).toBe(true);
  const query = '기준금리는 누가 결정하나요?';
  const status = await search(query);
  expect(status).toMatch(/재순위화 \d+ ms \(\d+개\) · 에지 서비스 \/ fp32 · /);
  // The served model is generated: the status line says its scores carry no relevance (issue 20 item 5).
  expect(status).toContain('무작위 가중치 (random weights)');
  // What the demo sent for each result: its title and text, as search-flow.ts joins them (the sample passages are short, shown whole).
  const shown = await page.$$eval('#results li', (items) =>
    items.map((li) => {
      const title = li.querySelector('strong.title')?.textContent;
      const text = li.querySelector('p')!.textContent!;
      return { text: title ? `${title}. ${text}` : text, score: Number(li.dataset['score']) };
    }),
  );
  expect(shown.length).toBeGreaterThan(3);
  // The service itself, asked for the same query over the same candidates (any order in, its order out).
  const reversed = [...shown].reverse().map((s) => s.text);
  const response = await fetch(`${edge.url}/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, texts: reversed }),
  });
  const served = (await response.json()) as Array<{ index: number; score: number }>;
  expect(shown.map((s) => s.text)).toEqual(served.map((r) => reversed[r.index]));
  shown.forEach((s, i) => expect(Math.abs(s.score - served[i]!.score)).toBeLessThan(1e-5));
  // The address is remembered for the next visit.
  expect(await page.evaluate(() => localStorage.getItem('ko-rerank-demo.edge-endpoint'))).toBe(edge.url);
  expect(consoleErrors).toEqual([]);
});

test('an edge service that cannot be reached is said plainly in Korean, and the first-stage results stay', async () => {
  const closed = await startServer({
    model: await testModel('tiny-xlmr'),
    dtype: 'fp32',
    port: 0,
    host: '127.0.0.1',
    log: false,
  });
  const gone = closed.url;
  await closed.close(0);
  await chooseEdge(gone);
  const status = await search('금리 인상');
  expect(status).toContain(
    `재순위화하지 못해 1단계(BM25) 결과를 보여 줍니다 — 에지 서비스 ${gone}에 연결할 수 없습니다`,
  );
  expect(await page.$eval('#results', (list) => list.dataset['stage'])).toBe('bm25');
  expect(await page.$$eval('#results li', (items) => items.length)).toBeGreaterThan(0);
  expect(consoleErrors).toEqual([]);
});
