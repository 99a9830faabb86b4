/**
 * The browser client refuses bad arguments in the page, with the engine's error (issue 25 item 6):
 * each refusal equals the Node engine's for the same call, and arrives while an earlier rank still
 * holds the worker, so nothing of it was queued or posted. Runs in every engine (BROWSER_ENGINE).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { BAD_CALLS, outcome } from '../client/bad-calls.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { type TestBrowser, type TestPage, launchBrowser, openEnginePage, startPageServer } from './harness.js';

const MODEL_ID = 'test-org/tiny-xlmr';

let models: HubMirror;
let browser: TestBrowser;
let pages: { url: string; close(): Promise<void> };
let page: TestPage;
let engine: Reranker;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'q8' });
  models = await startHubMirror({ models: { [MODEL_ID]: folder } });
  pages = await startPageServer({ isolated: true });
  browser = await launchBrowser();
  page = await openEnginePage(browser, pages.url);
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await models?.close();
  await engine?.dispose();
});

/** Enough work that the calls after it are made while it runs. */
const busyDocuments = Array.from({ length: 200 }, (_, i) => `${i} ${longPassage(4)}`);

test('rank, rankDetailed, score and switchModel refuse bad arguments as the engine does, without reaching the worker', async () => {
  const loaded = await page.evaluate(
    ([host, id]) =>
      window.rerankerTest.load({ model: id, remoteHost: host, browserCache: false, device: 'wasm' } as never),
    [models.url, MODEL_ID] as const,
  );
  expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
  const switches = [
    { method: 'switchModel', args: [null] },
    { method: 'switchModel', args: [{ model: 42 }] },
  ];
  const outcomes = await page.evaluate(([q, docs, calls]) => window.rerankerTest.callsWhileBusy(q, docs, calls), [
    KOREAN_QUERY,
    busyDocuments,
    [...BAD_CALLS, ...switches],
  ] as const);
  for (const [i, call] of BAD_CALLS.entries()) {
    const expected = await outcome(() => (engine[call.method] as (...a: unknown[]) => Promise<unknown>)(...call.args));
    const got = outcomes[i]!;
    expect(got.ok, `${call.method} ${call.what}`).toBe(false);
    if (got.ok) continue;
    expect(
      { name: got.error.name, code: got.error.code, message: got.error.message },
      `${call.method} ${call.what}`,
    ).toEqual(expected);
    expect(got.beforeBusy, `${call.method} ${call.what} was refused in the page`).toBe(true);
  }
  for (const got of outcomes.slice(BAD_CALLS.length))
    expect(got).toMatchObject({
      ok: false,
      error: { name: 'InvalidInputError', code: 'INVALID_INPUT' },
      beforeBusy: true,
    });

  const next = await page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [
    KOREAN_QUERY,
    KOREAN_PASSAGES,
  ] as const);
  expect(next, JSON.stringify(next)).toMatchObject({ ok: true });
});
