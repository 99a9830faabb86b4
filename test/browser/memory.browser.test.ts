/**
 * The memory fit in a real browser, in every engine (BROWSER_ENGINE): with a limit set by the test, a
 * model too large for it is refused with a typed OutOfMemoryError (model, estimate, a smaller choice)
 * before any weights are downloaded, and the smaller choice it names does load.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { estimateMemory, shapeFromConfig } from '../../src/engine/memory-fit.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { type TestBrowser, type TestPage, launchBrowser, openEnginePage, startPageServer } from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';

let models: HubMirror;
let browser: TestBrowser;
let pages: { url: string; close(): Promise<void> };
let page: TestPage;
/** Between what one row needs at q8 and at fp32: fp32 cannot fit, q8 can (with smaller batches). */
let limitBytes: number;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  const shape = shapeFromConfig(JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')))!;
  const oneRow = (dtype: 'fp32' | 'q8') => estimateMemory(shape, dtype, 512, 512).peakBytes;
  limitBytes = Math.round((oneRow('q8') + oneRow('fp32')) / 2);
  models = await startHubMirror({ models: { [MODEL_ID]: folder } });
  pages = await startPageServer({ isolated: true });
  browser = await launchBrowser();
  page = await openEnginePage(browser, pages.url);
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
});

const load = (extra: Record<string, unknown>) =>
  page.evaluate(
    ([host, id, more]) =>
      window.rerankerTest.load({ model: id, remoteHost: host, browserCache: false, device: 'wasm', ...more } as never),
    [models.url, MODEL_ID, extra] as const,
  );

test('a model too large for the limit is refused before its weights download, naming the estimate and a smaller choice that loads', async () => {
  const before = models.requests.length;
  const refused = await load({ dtype: 'fp32', memoryLimitBytes: limitBytes });
  expect(refused).toMatchObject({
    ok: false,
    error: {
      name: 'OutOfMemoryError',
      className: 'OutOfMemoryError',
      code: 'OUT_OF_MEMORY',
      message: expect.stringMatching(/^Model "test-org\/tiny-xlmr" needs about \d+ MB at fp32 .* try dtype 'q8'/),
    },
  });
  if (refused.ok) return;
  expect(refused.error).toMatchObject({ model: MODEL_ID, availableBytes: limitBytes, smallerChoice: "dtype 'q8'" });
  expect(refused.error.estimateBytes).toBeGreaterThan(limitBytes);
  const asked = models.requests.slice(before).map((r) => r.split('/resolve/main/')[1]);
  expect(asked).toContain('config.json');
  expect(asked.filter((file) => file?.startsWith('onnx/'))).toEqual([]);

  // The smaller choice it named loads under the same limit, with smaller batches, and says so.
  const smaller = await load({ dtype: 'q8', memoryLimitBytes: limitBytes });
  expect(smaller.ok, JSON.stringify(smaller)).toBe(true);
  if (!smaller.ok) return;
  expect(smaller.ready.reason).toMatch(/batches of at most \d+ tokens by default, to fit memory/);
  const ranked = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
    KOREAN_QUERY,
    KOREAN_PASSAGES,
  ] as const);
  expect(ranked.ok && ranked.ranked).toHaveLength(KOREAN_PASSAGES.length);
});

test('a bad memoryLimitBytes is refused with INVALID_INPUT', async () => {
  expect(await load({ memoryLimitBytes: -5 })).toMatchObject({
    ok: false,
    error: { name: 'InvalidInputError', code: 'INVALID_INPUT', message: expect.stringContaining('memoryLimitBytes') },
  });
});
