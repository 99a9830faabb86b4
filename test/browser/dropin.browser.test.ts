/**
 * The drop-in integration as an outside app gets it: the library is BUILT here (vite.lib.config.ts into
 * a temporary folder), served with the example page from a plain static server under a deep sub-path
 * (so any absolute or CDN URL in the build would show up), with cross-origin isolation and a strict CSP,
 * and driven in Debian Chromium against a generated model from the local hub server.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserReranker } from '../../src/client/create-reranker.js';
import type * as Lib from '../../src/entry/browser.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { type StaticServer, startStaticServer } from '../../scripts/static-server.js';
import { testModel } from '../helpers/models.js';
import { launchChromium } from './harness.js';
import { expectedOrder } from './dropin-order.js';

/** What examples/dropin/main.js exposes on window for the console and this test. */
interface Example {
  lib: typeof Lib;
  reranker: BrowserReranker;
  list: HTMLUListElement;
  news: HTMLElement & { reranker: BrowserReranker | null };
  readItem(li: Element): string;
  rerank(query: string): Promise<Lib.RerankElementsResult>;
}
type ExampleWindow = Window & { rerankExample: Example; pwned?: unknown; clicks?: Record<string, number> };

const MODEL_ID = 'test-org/tiny-xlmr';
const QUERY = '기준금리는 누가 결정하나요?';
const TOP_K = 3;
const MOUNT = '/app/v1'; // the library must work from a sub-path, not only from the site root
const ROOT = process.cwd();

let outDir: string;
let models: HubMirror;
let site: StaticServer;
let browser: Browser;
const consoleErrors: string[] = [];
const requestedUrls: string[] = [];

beforeAll(async () => {
  await mkdir(path.join(ROOT, '.cache'), { recursive: true });
  // Inside the repo so the built type declarations resolve @huggingface/transformers from node_modules.
  outDir = await mkdtemp(path.join(ROOT, '.cache', 'dropin-lib-'));
  await build({ configFile: path.join(ROOT, 'vite.lib.config.ts'), logLevel: 'error', build: { outDir } });
  models = await startHubMirror({ models: { [MODEL_ID]: await testModel('tiny-xlmr') } });
  site = await startStaticServer({
    mounts: {
      [`${MOUNT}/examples/dropin/`]: path.join(ROOT, 'examples/dropin'),
      [`${MOUNT}/dist/lib/`]: outDir,
      [`${MOUNT}/public/models/`]: path.join(ROOT, 'public/models'), // the example's default model
    },
    connectSrc: [models.url],
  });
  browser = await launchChromium({ webgpu: false });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await models?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** A fresh copy of the example page, model loaded, nothing reranked yet. */
async function openExample(): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('request', (request) => requestedUrls.push(request.url()));
  const query = new URLSearchParams({ model: MODEL_ID, host: models.url, topK: String(TOP_K) });
  await page.goto(`${site.url}${MOUNT}/examples/dropin/?${query}`);
  // Ready or failed: a failed load must fail the test now, not after a long timeout.
  await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 120_000 });
  const status = await page.$eval('#status', (el) => ({
    state: (el as HTMLElement).dataset['state'],
    text: el.textContent,
  }));
  expect(status.state, status.text ?? '').toBe('ready');
  return page;
}

interface ListState {
  ids: string[];
  texts: string[];
  hrefs: Record<string, string>;
  scores: Record<string, string | null>;
}

/** `texts` as the reranking call reads them: the example's own reader, or the library's default. */
const listState = (page: Page, selector = '#results > li', reader: 'example' | 'default' = 'example') =>
  page.evaluate(
    ([sel, how]) => {
      const { readItem, lib } = (window as unknown as ExampleWindow).rerankExample;
      const items = [...document.querySelectorAll(sel)];
      return {
        ids: items.map((li) => li.getAttribute('data-id')!),
        texts: items.map((li) => (how === 'example' ? readItem(li) : lib.defaultText(li))),
        hrefs: Object.fromEntries(
          items.map((li) => [li.getAttribute('data-id')!, li.querySelector('a')?.getAttribute('href') ?? '']),
        ),
        scores: Object.fromEntries(
          items.map((li) => [li.getAttribute('data-id')!, li.getAttribute('data-rerank-score')]),
        ),
      };
    },
    [selector, reader] as const,
  ) as Promise<ListState>;

/** The reranker's own scores for (query, text) pairs, computed apart from rerankElements. */
const ownScores = (page: Page, texts: string[]) =>
  page.evaluate(
    ([q, t]) =>
      (window as unknown as ExampleWindow).rerankExample.reranker.score(t.map((x) => [q, x] as [string, string])),
    [QUERY, texts] as const,
  );

describe('library build', () => {
  test('ESM entry, worker chunk and onnxruntime wasm as files, referenced by relative URLs', async () => {
    const assets = await readdir(path.join(outDir, 'assets'));
    const worker = assets.find((f) => /^reranker\.worker-.*\.js$/.test(f));
    const wasm = assets.find((f) => /^ort-wasm-simd-threaded\..*\.wasm$/.test(f));
    const factory = assets.find((f) => /^ort-wasm-simd-threaded\..*\.mjs$/.test(f));
    expect({ worker, wasm, factory }).toEqual({
      worker: expect.any(String),
      wasm: expect.any(String),
      factory: expect.any(String),
    });
    const entry = await readFile(path.join(outDir, 'ko-rerank.js'), 'utf8');
    const workerCode = await readFile(path.join(outDir, 'assets', worker!), 'utf8');
    // The literal form an app's bundler recognises as a worker (see vite.lib.config.ts).
    expect(entry).toContain(`new Worker(new URL("./assets/${worker}", import.meta.url)`);
    expect(workerCode).toContain(`new URL(\`${wasm}\`,import.meta.url)`);
    expect(workerCode).toContain(`new URL(\`${factory}\`,import.meta.url)`);
    // Library mode would inline them; a data: worker or wasm breaks strict CSPs and caching.
    expect(entry + workerCode).not.toMatch(/data:(application\/wasm|text\/javascript)/);
    for (const name of [
      'createReranker',
      'rerankElements',
      'defineRerankResults',
      'RerankResultsElement',
      'ContainerChangedError',
      'AbortedError',
      'InvalidInputError',
    ]) {
      // In the entry's export list, renamed by the minifier (`x as Name`) or not.
      expect(entry, name).toMatch(new RegExp(`export\\s*\\{[^}]*(\\bas |[{,]\\s*)${name}\\b`));
    }
  });

  test('the type declarations type-check an outside consumer (and catch a misuse)', async () => {
    expect(existsSync(path.join(outDir, 'ko-rerank.d.ts'))).toBe(true);
    const consumer = path.join(outDir, 'consumer.ts');
    await writeFile(
      consumer,
      [
        "import { ContainerChangedError, type RerankElementsResult, createReranker, rerankElements } from './ko-rerank.js';",
        "const reranker = await createReranker({ model: 'org/model' });",
        "const result: RerankElementsResult = await rerankElements(document.body, 'q', { reranker, topK: 3, scoreAttribute: 'data-score' });",
        'const first: Element | undefined = result.items[0];',
        "const code: 'CONTAINER_CHANGED' = new ContainerChangedError('x').code;",
        '// @ts-expect-error topK is a number',
        "await rerankElements(document.body, 'q', { reranker, topK: '3' });",
        'export { first, code };',
      ].join('\n'),
    );
    // A consumer's own settings: strict, no Node types, and the library's declarations checked too.
    const compilerOptions = {
      noEmit: true,
      strict: true,
      target: 'es2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['es2023', 'dom', 'dom.iterable'],
      types: [],
      skipLibCheck: false,
    };
    await writeFile(
      path.join(outDir, 'tsconfig.consumer.json'),
      JSON.stringify({ compilerOptions, files: ['consumer.ts'] }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const run = await promisify(execFile)(process.execPath, [tsc, '-p', path.join(outDir, 'tsconfig.consumer.json')], {
      cwd: ROOT,
    }).then(
      () => '',
      (failure: { stdout?: string }) => failure.stdout ?? String(failure),
    );
    expect(run).toBe('');
  });
});

// Generous: a cold model load on 2 busy cores; nothing here asserts on time.
describe('the example page, reranked in place by the built library', { timeout: 240_000 }, () => {
  test('with its default (generated) model it says the weights are random, and shows scores rounded', async () => {
    await import('../../scripts/ensure-demo-model.js');
    const page = await browser.newPage();
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    await page.goto(`${site.url}${MOUNT}/examples/dropin/`);
    await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 120_000 });
    expect(await page.isVisible('#random-weights')).toBe(true);
    expect(await page.textContent('#random-weights')).toContain('무작위 가중치');
    await page.$eval('#search', (form) => (form as HTMLFormElement).requestSubmit());
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 120_000 });
    const shown = await page.$$eval('#results > li', (items) =>
      items.map((li) => [li.getAttribute('data-score-shown'), li.getAttribute('data-rerank-score')]),
    );
    for (const [rounded, exact] of shown) {
      expect(rounded).toMatch(/^-?\d+\.\d{3}$/);
      expect(Number(rounded)).toBeCloseTo(Number(exact), 3);
    }
    await page.screenshot({ path: 'test-results/dropin-default-model.png', fullPage: true });
    await page.close();
  });

  test('the list is reordered exactly as the scores say; nodes, links, handlers and focus survive', async () => {
    const page = await openExample();
    const before = await listState(page);
    const scores = await ownScores(page, before.texts);
    const order = expectedOrder(before.ids, scores, TOP_K);
    expect(order).not.toEqual(before.ids); // else this test could not see a wrong order
    // Focus goes to an item that will move (focus on an item that stays proves nothing).
    const movingId = order.find((id, k) => before.ids[k] !== id)!;
    // Bound before reranking: a click counter on every link (that also stops navigation) and the
    // original nodes kept by reference.
    await page.evaluate((focusId) => {
      const w = window as unknown as ExampleWindow & { original?: Element[] };
      w.clicks = {};
      w.original = [...w.rerankExample.list.children];
      for (const a of w.rerankExample.list.querySelectorAll('a')) {
        a.addEventListener('click', (event) => {
          event.preventDefault();
          const id = a.closest('li')!.getAttribute('data-id')!;
          w.clicks![id] = (w.clicks![id] ?? 0) + 1;
        });
      }
      (w.rerankExample.list.querySelector(`li[data-id="${focusId}"] button`) as HTMLButtonElement).focus();
    }, movingId);

    // The page's own submit path; requestSubmit, because clicking the button would take the focus.
    await page.$eval('#search', (form) => (form as HTMLFormElement).requestSubmit());
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 120_000 });
    expect(await page.$eval('#status', (el) => `${(el as HTMLElement).dataset['state']}: ${el.textContent}`)).toMatch(
      /^done: /,
    );
    const after = await listState(page);
    console.log(`[dropin] ${before.ids.join(',')} -> ${after.ids.join(',')} (focus on ${movingId})`);
    expect(after.ids).toEqual(order);
    // Items outside topK keep their relative page order, after the reranked ones.
    expect(after.ids.slice(TOP_K)).toEqual(before.ids.filter((id) => !order.slice(0, TOP_K).includes(id)));
    // Every scored item carries its score as a plain number, equal to the reranker's own.
    before.ids.forEach((id, i) => expect(Number(after.scores[id]), id).toBeCloseTo(scores[i]!, 5));
    expect(after.hrefs).toEqual(before.hrefs);

    const survived = await page.evaluate((focusId) => {
      const w = window as unknown as ExampleWindow & { original: Element[] };
      const now = [...w.rerankExample.list.children];
      return {
        sameNodes: now.length === w.original.length && w.original.every((el) => now.includes(el)),
        focusKept:
          document.activeElement ===
          w.original.find((li) => li.getAttribute('data-id') === focusId)!.querySelector('button'),
      };
    }, movingId);
    expect(survived).toEqual({ sameNodes: true, focusKept: true });

    // Handlers bound before the move still fire: the page's save button and the test's link counter.
    const moved = after.ids[0]!;
    await page.click(`#results > li[data-id="${moved}"] button.save`);
    await page.click(`#results > li[data-id="${moved}"] a`);
    const clicked = await page.evaluate((id) => {
      const w = window as unknown as ExampleWindow;
      const button = w.rerankExample.list.querySelector(`li[data-id="${id}"] button.save`) as HTMLElement;
      return {
        saves: button.dataset['clicks'],
        pressed: button.getAttribute('aria-pressed'),
        links: w.clicks![id],
        url: location.pathname,
      };
    }, moved);
    expect(clicked).toEqual({ saves: '1', pressed: 'true', links: 1, url: `${MOUNT}/examples/dropin/` });
    await page.close();
  });

  test('a passage with HTML and script markup is read as text and nothing executes', async () => {
    const page = await openExample();
    const before = await listState(page);
    const at = before.ids.indexOf('markup');
    const markup = before.texts[at]!;
    expect(markup).toContain('<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>');
    await page.evaluate((q) => (window as unknown as ExampleWindow).rerankExample.rerank(q), QUERY);
    const after = await listState(page);
    // The same texts in one call (8-bit dynamic quantization makes a score depend on its batch).
    const scores = await ownScores(page, before.texts);
    // Scored as the literal markup: a stripped or parsed text would score differently.
    expect(Number(after.scores['markup'])).toBeCloseTo(scores[at]!, 5);
    const dom = await page.evaluate(() => {
      const w = window as unknown as ExampleWindow;
      return { pwned: w.pwned ?? null, elements: w.rerankExample.list.querySelectorAll('img, script, b').length };
    });
    expect(dom).toEqual({ pwned: null, elements: 0 });
    await page.close();
  });

  test('limit: items after the first `limit` are not scored and stay last, in order', async () => {
    const page = await openExample();
    const before = await listState(page);
    const result = await page.evaluate(async (q) => {
      const { lib, list, reranker, readItem } = (window as unknown as ExampleWindow).rerankExample;
      const r = await lib.rerankElements(list, q, {
        reranker,
        limit: 4,
        topK: 2,
        text: readItem,
        scoreAttribute: 'data-rerank-score',
      });
      return { order: r.order, scored: r.scores.size, reranked: r.reranked.map((x) => x.index) };
    }, QUERY);
    const after = await listState(page);
    const scores = await ownScores(page, before.texts.slice(0, 4));
    expect(after.ids).toEqual([...expectedOrder(before.ids.slice(0, 4), scores, 2), ...before.ids.slice(4)]);
    expect(result.scored).toBe(4);
    expect(before.ids.slice(4).map((id) => after.scores[id])).toEqual([null, null, null, null]);
    await page.close();
  });

  test('progressive: the list is reordered after every model run, unscored items last in page order, and ends as the full rerank', async () => {
    const page = await openExample();
    const before = await listState(page);
    const query = `${QUERY} 자세히`; // not asked before on this page: nothing comes from the score cache
    const run = await page.evaluate(async (q) => {
      const { lib, list, reranker, readItem } = (window as unknown as ExampleWindow).rerankExample;
      const partials: Array<{ ids: string[]; scored: number }> = [];
      const r = await lib.rerankElements(list, q, {
        reranker,
        topK: 100,
        text: readItem,
        progressive: true,
        batchTokens: 64,
        onPartial: (p) =>
          partials.push({ ids: p.items.map((li) => li.getAttribute('data-id')!), scored: p.scores.size }),
      });
      return { partials, final: r.items.map((li) => li.getAttribute('data-id')!) };
    }, query);
    expect(run.partials.length).toBeGreaterThan(1);
    for (const partial of run.partials) {
      // The tail not yet scored keeps page order.
      const tail = partial.ids.slice(partial.scored);
      expect(tail).toEqual(before.ids.filter((id) => tail.includes(id)));
    }
    const scores = await page.evaluate(
      ([q, t]) =>
        (window as unknown as ExampleWindow).rerankExample.reranker.score(t.map((x) => [q, x] as [string, string])),
      [query, before.texts] as const,
    );
    expect(run.final).toEqual(expectedOrder(before.ids, scores, 100));
    await page.close();
  });

  test('aborting rejects with an AbortError and leaves the list untouched', async () => {
    const page = await openExample();
    const before = await listState(page);
    const outcomes = await page.evaluate(async (q) => {
      const { lib, list, reranker } = (window as unknown as ExampleWindow).rerankExample;
      const settle = (p: Promise<unknown>) =>
        p.then(
          () => ({ name: 'resolved', code: '' }),
          (e: { name: string; code: string }) => ({ name: e.name, code: e.code }),
        );
      const already = new AbortController();
      already.abort();
      const early = await settle(
        lib.rerankElements(list, q, { reranker, signal: already.signal, scoreAttribute: 'data-rerank-score' }),
      );
      // Aborted while the model is at work (the abort happens before the scores can come back).
      const during = new AbortController();
      const pending = settle(
        lib.rerankElements(list, q, { reranker, signal: during.signal, scoreAttribute: 'data-rerank-score' }),
      );
      during.abort();
      // Aborted just as the scores come back (the worker had already finished): still no reordering.
      const late = new AbortController();
      const lateReranker = {
        ...reranker,
        rank: (...args: Parameters<typeof reranker.rank>) => reranker.rank(...args).then((r) => (late.abort(), r)),
      };
      const lateOutcome = await settle(
        lib.rerankElements(list, q, {
          reranker: lateReranker,
          signal: late.signal,
          scoreAttribute: 'data-rerank-score',
        }),
      );
      return { early, during: await pending, late: lateOutcome };
    }, QUERY);
    const aborted = { name: 'AbortError', code: 'ABORTED' };
    expect(outcomes).toEqual({ early: aborted, during: aborted, late: aborted });
    expect(await listState(page)).toEqual(before);
    // The reranker is still usable after the aborted calls.
    await page.evaluate((q) => (window as unknown as ExampleWindow).rerankExample.rerank(q), QUERY);
    expect((await listState(page)).ids).not.toEqual(before.ids);
    await page.close();
  });

  test.each([
    { change: 'an item removed', expected: /it had 8 items and now has 7/ },
    { change: 'an item added', expected: /it had 8 items and now has 9/ },
    { change: 'two items swapped', expected: /item 0 was replaced or moved/ },
    { change: 'a text edited', expected: /the text of item 3 was edited/ },
  ])('a list that changes during the await ($change) is refused, not corrupted', async ({ change, expected }) => {
    const page = await openExample();
    const outcome = await page.evaluate(
      async ([q, what]) => {
        const { lib, list, reranker, readItem } = (window as unknown as ExampleWindow).rerankExample;
        const pending = lib.rerankElements(list, q, { reranker, text: readItem, scoreAttribute: 'data-rerank-score' });
        // The page changes the list while the worker is scoring it.
        if (what === 'an item removed') list.children[5]!.remove();
        if (what === 'an item added')
          list.append(Object.assign(document.createElement('li'), { textContent: 'late result' }));
        if (what === 'two items swapped') list.insertBefore(list.children[1]!, list.children[0]!);
        if (what === 'a text edited') list.children[3]!.querySelector('.snippet')!.textContent = 'edited';
        const expectedIds = [...list.children].map((li) => li.getAttribute('data-id'));
        const error = await pending.then(
          () => null,
          (e: Error & { code?: string }) => ({
            name: e.name,
            code: e.code,
            message: e.message,
            typed: e instanceof lib.ContainerChangedError,
          }),
        );
        return {
          error,
          unchanged:
            JSON.stringify([...list.children].map((li) => li.getAttribute('data-id'))) === JSON.stringify(expectedIds),
          scored: list.querySelectorAll('[data-rerank-score]').length,
        };
      },
      [QUERY, change] as const,
    );
    expect(outcome.error).toMatchObject({
      name: 'ContainerChangedError',
      code: 'CONTAINER_CHANGED',
      typed: true,
      message: expect.stringMatching(expected),
    });
    expect(outcome).toMatchObject({ unchanged: true, scored: 0 });
    await page.close();
  });

  test('without moveBefore (older browsers) the nodes still move and focus is given back', async () => {
    const page = await openExample();
    const before = await listState(page);
    const scores = await ownScores(page, before.texts);
    const order = expectedOrder(before.ids, scores, before.ids.length);
    const movingId = order.find((id, k) => before.ids[k] !== id)!;
    const outcome = await page.evaluate(
      async ([q, focusId]) => {
        const { lib, list, reranker, readItem } = (window as unknown as ExampleWindow).rerankExample;
        const native = typeof (list as unknown as { moveBefore?: unknown }).moveBefore === 'function';
        Object.defineProperty(list, 'moveBefore', { value: undefined }); // hide it for this list only
        const button = list.querySelector(`li[data-id="${focusId}"] button`) as HTMLButtonElement;
        button.focus();
        let blurred = false;
        button.addEventListener('blur', () => (blurred = true), { once: true });
        const r = await lib.rerankElements(list, q, { reranker, text: readItem });
        return { native, moved: r.moved, blurred, focusKept: document.activeElement === button };
      },
      [QUERY, movingId] as const,
    );
    console.log(`[dropin] native moveBefore in this Chromium: ${outcome.native}`);
    // blurred: the plain insert really dropped the focus, so giving it back was needed (and was done).
    expect(outcome).toMatchObject({ moved: expect.any(Number), blurred: true, focusKept: true });
    expect((await listState(page)).ids).toEqual(order);
    await page.close();
  });

  test('<rerank-results> reranks its light-DOM list when its query changes', async () => {
    const page = await openExample();
    const before = await listState(page, '#news li', 'default');
    const detail = await page.evaluate(async (q) => {
      const { news } = (window as unknown as ExampleWindow).rerankExample;
      const done = new Promise<Lib.RerankElementsResult>((resolve, reject) => {
        news.addEventListener('rerank', (e) => resolve((e as CustomEvent).detail), { once: true });
        news.addEventListener('rerank-error', (e) => reject((e as CustomEvent).detail), { once: true });
      });
      news.setAttribute('query', q);
      const result = await done;
      return { order: result.order, reranked: result.reranked.length };
    }, QUERY);
    const after = await listState(page, '#news li', 'default');
    const scores = await ownScores(page, before.texts);
    expect(detail.reranked).toBe(2); // top-k="2"
    expect(expectedOrder(before.ids, scores, 2)).not.toEqual(before.ids); // else a no-op would pass
    expect(after.ids).toEqual(expectedOrder(before.ids, scores, 2));
    before.ids.forEach((id, i) => expect(Number(after.scores[id]), id).toBeCloseTo(scores[i]!, 5));
    await page.close();
  });
});

describe('what the pages did', () => {
  test('no console errors, nothing missing, and no request left the two local servers', () => {
    expect(consoleErrors).toEqual([]);
    expect(site.log.filter((line) => !line.startsWith('200'))).toEqual([]);
    // The wasm came from the library's own folder under the sub-path, not from a CDN (either build: the
    // WASM-only one, ort-wasm-simd-threaded-<hash>.wasm, where the plan has no WebGPU).
    expect(
      site.log.some(
        (line) => line.startsWith(`200 ${MOUNT}/dist/lib/assets/ort-wasm-simd-threaded`) && line.endsWith('.wasm'),
      ),
      site.log.filter((line) => line.endsWith('.wasm')).join('\n'),
    ).toBe(true);
    const foreign = requestedUrls.filter(
      (url) =>
        !url.startsWith(site.url) &&
        !url.startsWith(models.url) &&
        !url.startsWith('data:') &&
        !url.startsWith('blob:'),
    );
    expect(foreign).toEqual([]);
  });
});
