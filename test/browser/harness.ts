/**
 * Real-browser test harness: a Vite dev server for the pages (with or without cross-origin isolation),
 * the local hub mirror (src/hub-mirror), and the browser: `launchBrowser` gives the engine of this run
 * (BROWSER_ENGINE: chromium, firefox or webkit; see engines.ts) for tests that run in every engine,
 * `launchChromium` gives playwright's Chromium for the tests that need Chromium's own features.
 */
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { type ViteDevServer, createServer } from 'vite';
import { ISOLATION_HEADERS } from '../../src/worker/isolation-headers.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, type TestBrowser, type TestPage } from './engines.js';

export { ENGINE, type EngineName, type TestBrowser, type TestPage, launchBrowser } from './engines.js';

export const CHROMIUM = CHROMIUM_PATH;
const QUIET_FLAGS = CHROMIUM_FLAGS;

export async function launchChromium(options: { webgpu: boolean }): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without a GPU, --enable-unsafe-webgpu gives Dawn's SwiftShader adapter; without it there is no adapter.
    args: [...QUIET_FLAGS, ...(options.webgpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan'] : [])],
  });
}

/** A page-server answer that replaces a file's (a broken deployment): engine-neutral, unlike request routing. */
export interface PageFault {
  status: number;
  contentType: string;
  body: string;
}

export interface PageServer {
  url: string;
  /** Answers requests whose path and query (`/a/b.js?x`) match `match` with `fault`; null clears it. */
  setFault(match: RegExp, fault: PageFault | null): void;
  close(): Promise<void>;
}

export async function startPageServer(options: {
  isolated: boolean;
  /** Extra compile-time constants (Vite `define`), e.g. a benchmark's seam. */
  define?: Record<string, string>;
}): Promise<PageServer> {
  const headers: Record<string, string> = options.isolated
    ? { ...ISOLATION_HEADERS }
    : // vite.config.ts sets isolation headers and Vite merges configs: override them explicitly.
      { 'Cross-Origin-Opener-Policy': 'unsafe-none', 'Cross-Origin-Embedder-Policy': 'unsafe-none' };
  const faults = new Map<RegExp, PageFault>();
  const server: ViteDevServer = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', headers, hmr: false },
    ...(options.define ? { define: options.define } : {}),
    clearScreen: false,
    plugins: [
      {
        name: 'test-page-faults',
        // Before Vite's own middlewares: a faulted path never reaches them.
        configureServer: (dev) =>
          void dev.middlewares.use((request, response, next) => {
            const { pathname, search } = new URL(request.url ?? '/', 'http://localhost');
            const path = pathname + search;
            const fault = [...faults].find(([match]) => match.test(path))?.[1];
            if (!fault) return next();
            response.writeHead(fault.status, {
              ...headers,
              'Content-Type': fault.contentType,
              'Cache-Control': 'no-store',
            });
            response.end(fault.body);
          }),
      },
    ],
  });
  await server.listen();
  const address = server.httpServer!.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    setFault: (match, fault) => void (fault ? faults.set(match, fault) : faults.delete(match)),
    close: () => server.close(),
  };
}

/** The Hugging Face Hub's hosts (huggingface.co, hf.co and their subdomains, the file CDNs included). */
export const HUB_URL = /^https?:\/\/([^/]*\.)?(huggingface\.co|hf\.co)(:\d+)?\//;

/**
 * Makes the hub unreachable for every page of the context (and their workers), as a machine offline
 * sees it, whether or not this machine has internet. Returns the URLs it refused, so a test can show
 * that the page really asked the hub (and that the refusal, not luck, made it fail).
 */
export async function blockHub(context: BrowserContext): Promise<string[]> {
  const refused: string[] = [];
  await context.route(HUB_URL, (route) => {
    refused.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  return refused;
}

/** Opens test/browser/pages/<name>.html and waits until the page says it is ready. */
export async function openTestPage(
  browser: Browser,
  baseUrl: string,
  name = 'reranker',
): Promise<{ page: Page; consoleErrors: string[] }> {
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.goto(`${baseUrl}/test/browser/pages/${name}.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, {
    timeout: 120_000,
  });
  return { page, consoleErrors };
}

/** Opens test/browser/pages/<name>.html in the engine of this run and waits until the page says it is ready. */
export async function openEnginePage(browser: TestBrowser, baseUrl: string, name = 'reranker'): Promise<TestPage> {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/test/browser/pages/${name}.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, {
    timeout: 120_000,
  });
  return page;
}
