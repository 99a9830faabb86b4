/**
 * Indexing 10,000 passages in a real page must not freeze it: the work is chunked and the main thread
 * is handed back between chunks. Checked by task order, not by frame rates or wall-clock time.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium, openTestPage, startPageServer } from './harness.js';

let browser: Browser;
let pages: { url: string; close(): Promise<void> };
beforeAll(async () => {
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu: false });
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

test('10,000 passages are indexed in chunks that hand the main thread back between them, and the index round-trips', async () => {
  const { page, consoleErrors } = await openTestPage(browser, pages.url, 'indexing');
  // The measure can tell: synchronous indexing lets no other task run (a deterministic control).
  expect(await page.evaluate(() => window.indexingTest.indexSynchronously(500))).toBe(0);
  const run = await page.evaluate(() => window.indexingTest.indexWhilePainting(10_000));
  console.log(
    `[browser] indexed ${run.size} passages in ${run.elapsedMs.toFixed(0)} ms, ${run.frames} frames painted, longest gap between frames ${run.longestGapMs.toFixed(0)} ms`,
  );
  expect(run.size).toBe(10_000);
  expect(run.topId).toBe('doc-7777');
  expect(run.restoredTopId).toBe('doc-7777');
  // Default chunks of 128: 79 progress calls, and other tasks ran between every two of them.
  const seen = run.otherTasksAtProgress;
  expect(seen).toHaveLength(Math.ceil(10_000 / 128));
  for (let i = 1; i < seen.length; i++)
    expect(seen[i]!, `between chunks ${i} and ${i + 1}`).toBeGreaterThan(seen[i - 1]!);
  expect(consoleErrors).toEqual([]);
});
