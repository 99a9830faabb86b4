/** Indexing 10,000 passages in a real page must not freeze it: the work is chunked between frames. */
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

test('10,000 passages are indexed in chunks while the page keeps painting, and the index round-trips', async () => {
  const { page, consoleErrors } = await openTestPage(browser, pages.url, 'indexing');
  // The measurement works here: a deliberate 150 ms block shows up as a gap between frames.
  expect(await page.evaluate(() => window.indexingTest.blockFor(150))).toBeGreaterThanOrEqual(100);
  const run = await page.evaluate(() => window.indexingTest.indexWhilePainting(10_000));
  console.log(
    `[browser] indexed ${run.size} passages in ${run.elapsedMs.toFixed(0)} ms, ${run.frames} frames painted, longest gap between frames ${run.longestGapMs.toFixed(0)} ms`,
  );
  expect(run.size).toBe(10_000);
  expect(run.topId).toBe('doc-7777');
  expect(run.restoredTopId).toBe('doc-7777');
  expect(run.progressCalls).toBeGreaterThan(10); // really chunked
  // A frozen page paints about one frame in the whole run; a chunked one keeps a steady rate.
  expect(run.frames).toBeGreaterThan(run.elapsedMs / 200);
  expect(run.longestGapMs).toBeLessThan(run.elapsedMs / 4); // no chunk holds the thread for long
  expect(consoleErrors).toEqual([]);
});
