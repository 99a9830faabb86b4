/**
 * The library as web developers install it (issue 12, item 8): `npm pack` gives a tarball; a fresh Vite
 * app installs it (offline: the package has no dependencies, everything is bundled), builds, and
 * reranks in Chromium; a plain static page with no bundler imports the installed file directly. In both,
 * the worker and onnxruntime's wasm must come from the package, never from a CDN, under a strict CSP.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type StaticServer, startStaticServer } from '../../scripts/static-server.js';
import { testModel } from '../helpers/models.js';
import { launchChromium } from './harness.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const PACKAGE = 'ko-rerank-web';

let scratch: string;
let tarball: string;
let site: StaticServer;
let browser: Browser;

/** The page both apps show: rank three passages, write the order (or the error) into #out. */
const APP_SCRIPT = (importFrom: string) => `
import { createReranker } from '${importFrom}';
const out = document.getElementById('out');
try {
  const reranker = await createReranker({ model: '/models/tiny-xlmr' });
  const passages = ['오늘 서울은 맑습니다.', '금융통화위원회가 기준금리를 정합니다.', '프로야구 개막'];
  const ranked = await reranker.rank('기준금리는 누가 결정하나요?', passages);
  out.dataset.state = 'done';
  out.textContent = JSON.stringify({ ranked, backend: reranker.ready.backend, dtype: reranker.ready.dtype });
} catch (error) {
  out.dataset.state = 'error';
  out.textContent = String(error && error.stack || error);
}
`;

const APP_HTML = (script: string) => `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self'">
</head><body><pre id="out" data-state="loading"></pre><script type="module" src="${script}"></script></body></html>
`;

async function newApp(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  // --offline: the tarball must install with nothing from the registry (it has no dependencies).
  await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
  return dir;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-package-'));
  // The prepack script builds dist/lib first, as for a publish.
  await run('npm', ['pack', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  tarball = path.join(
    scratch,
    (await readdir(scratch)).find((f) => f.endsWith('.tgz'))!,
  );
  console.log(`[package] ${path.basename(tarball)}: ${((await stat(tarball)).size / 1e6).toFixed(2)} MB`);

  const viteApp = await newApp('vite-app');
  await writeFile(path.join(viteApp, 'index.html'), APP_HTML('/main.js'));
  await writeFile(path.join(viteApp, 'main.js'), APP_SCRIPT(PACKAGE));
  // Served under /vite/, as an app deployed below a site's root.
  await build({
    root: viteApp,
    base: '/vite/',
    configFile: false,
    logLevel: 'error',
    build: { outDir: path.join(viteApp, 'dist'), target: 'es2022' },
  });

  const staticApp = await newApp('static-app');
  await writeFile(path.join(staticApp, 'index.html'), APP_HTML('./main.js'));
  await writeFile(path.join(staticApp, 'main.js'), APP_SCRIPT(`./node_modules/${PACKAGE}/dist/lib/ko-rerank.js`));

  site = await startStaticServer({
    mounts: {
      '/vite/': path.join(viteApp, 'dist'),
      '/static/': staticApp,
      '/models/tiny-xlmr/': await testModel('tiny-xlmr'),
    },
  });
  browser = await launchChromium({ webgpu: false });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function rerankIn(url: string): Promise<{
  result: { ranked: Array<{ index: number; score: number }>; backend: string };
  errors: string[];
  requests: string[];
  page: Page;
}> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForSelector('#out[data-state="done"], #out[data-state="error"]', { timeout: 180_000 });
  const state = await page.$eval('#out', (el) => ({
    state: (el as HTMLElement).dataset['state'],
    text: el.textContent ?? '',
  }));
  expect(state.state, state.text).toBe('done');
  return { result: JSON.parse(state.text), errors, requests, page };
}

describe('npm pack, installed into a fresh app', { timeout: 240_000 }, () => {
  test('the tarball holds the built library only, and declares no dependencies to install', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toContain('package/dist/lib/ko-rerank.js');
    expect(files).toContain('package/dist/lib/ko-rerank.d.ts');
    expect(files.some((f) => /assets\/reranker\.worker-[\w-]+\.js$/.test(f))).toBe(true);
    expect(files.some((f) => /assets\/ort-wasm-simd-threaded[\w.-]*\.wasm$/.test(f))).toBe(true);
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
    const { stdout: manifest } = await run('tar', ['xzOf', tarball, 'package/package.json']);
    const pkg = JSON.parse(manifest) as {
      name: string;
      private?: boolean;
      dependencies?: object;
      exports: Record<string, { import: string }>;
    };
    expect(pkg.name).toBe(PACKAGE);
    expect(pkg.private).toBeUndefined();
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.exports['.']!.import).toBe('./dist/lib/ko-rerank.js');
  });

  for (const [label, url] of [
    ['a Vite app, built', '/vite/'],
    ['a plain static page, no bundler', '/static/'],
  ] as const) {
    test(`${label}: reranks in Chromium with the worker and wasm from the package`, async () => {
      const { result, errors, requests, page } = await rerankIn(`${site.url}${url}`);
      expect(result.backend).toBe('wasm');
      expect(result.ranked.map((r) => r.index).sort()).toEqual([0, 1, 2]);
      const scores = result.ranked.map((r) => r.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      // Everything came from this server: the worker and onnxruntime's wasm included, no CDN.
      expect(requests.filter((r) => !r.startsWith(site.url))).toEqual([]);
      expect(requests.some((r) => /reranker\.worker-[\w-]+\.js$/.test(r))).toBe(true);
      expect(requests.some((r) => /ort-wasm-simd-threaded[\w.-]*\.wasm$/.test(r))).toBe(true);
      expect(site.log.filter((line) => line.startsWith('404'))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
