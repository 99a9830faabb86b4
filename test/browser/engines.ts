/**
 * One page API over three browser engines, so a behaviour's test runs unchanged in each:
 * - chromium: Debian Chromium driven by playwright-core (CDP);
 * - firefox: Debian Firefox ESR driven by puppeteer-core over WebDriver BiDi (no geckodriver needed);
 * - webkit: WebKitGTK's MiniBrowser driven by WebKitWebDriver (classic W3C WebDriver, through
 *   selenium-webdriver), on a virtual display from xvfb-run.
 * The engine is chosen per run with BROWSER_ENGINE (default chromium). No driver downloads a browser.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser as PlaywrightBrowser, Page as PlaywrightPage } from 'playwright-core';
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from 'puppeteer-core';
import type { WebDriver } from 'selenium-webdriver';
import { freePort } from '../helpers/free-port.js';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** The engine of this run: BROWSER_ENGINE, or chromium. */
export function engineOfRun(): EngineName {
  const name = process.env['BROWSER_ENGINE'] ?? 'chromium';
  if (!(ENGINES as readonly string[]).includes(name)) {
    throw new Error(`BROWSER_ENGINE=${name}: expected one of ${ENGINES.join(', ')}`);
  }
  return name as EngineName;
}

export const ENGINE = engineOfRun();

/** What a test does with a page, in every engine. Functions run in the page; arguments and results are JSON. */
export interface TestPage {
  readonly engine: EngineName;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Polls `fn` in the page until it returns a truthy value. */
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A, options?: { timeout?: number }): Promise<void>;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  close(): Promise<void>;
  /** Uncaught errors and console.error messages of the page (and, in Chromium and Firefox, of its workers). */
  consoleErrors(): Promise<string[]>;
}

export interface TestBrowser {
  readonly engine: EngineName;
  /** Product and version, e.g. "firefox/153.8.0". */
  readonly version: string;
  /** A page in a fresh context (its own storage, caches and service workers), as playwright's browser.newPage. */
  newPage(): Promise<TestPage>;
  close(): Promise<void>;
}

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export interface LaunchOptions {
  /** Chromium's software WebGPU adapter; the others have no WebGPU here. */
  webgpu?: boolean;
  /** Firefox preferences for this browser (e.g. javascript.options.mem.max, a JS heap limit in MB). */
  firefoxPrefs?: Record<string, string | number | boolean>;
}

/** Launches the engine of this run. */
export async function launchBrowser(options: LaunchOptions = {}, engine = ENGINE): Promise<TestBrowser> {
  if (engine === 'chromium') return launchChromiumEngine(options.webgpu ?? false);
  if (engine === 'firefox') return launchFirefox(options.firefoxPrefs ?? {});
  return launchWebKit();
}

const DEFAULT_WAIT_MS = 120_000;

/**
 * An evaluate still pending after this long prints the page's trace (pages that keep one expose
 * `window.pageTrace`, e.g. reranker-page.ts), and then how long it took if it ends: so a call that hangs
 * in CI shows whether the page's call settled (the driver lost the answer) and how far a load got.
 */
const SLOW_EVALUATE_MS = Number(process.env['SLOW_EVALUATE_MS'] ?? 45_000);

function reportWhenSlow(
  engine: EngineName,
  evaluate: TestPage['evaluate'],
  pageTrace: () => Promise<unknown>,
  recentConsole: readonly string[] = [],
): TestPage['evaluate'] {
  return (async (fn: (arg: unknown) => unknown, arg?: unknown) => {
    const started = Date.now();
    const what = String(fn).replace(/\s+/g, ' ').slice(0, 120);
    let slow = false;
    const timer = setTimeout(() => {
      slow = true;
      const noAnswer = new Promise((resolve) => setTimeout(() => resolve('(the page did not answer in 10 s)'), 10_000));
      void Promise.race([pageTrace(), noAnswer]).then(
        (trace) =>
          console.log(
            `[slow evaluate] ${engine}: ${what} pending for ${SLOW_EVALUATE_MS} ms; page trace:\n${trace ?? '(none)'}\nlast console lines (page and workers):\n${recentConsole.join('\n')}`,
          ),
        (error: unknown) => console.log(`[slow evaluate] ${engine}: ${what}: no trace (${String(error)})`),
      );
    }, SLOW_EVALUATE_MS);
    try {
      return await evaluate(fn, arg);
    } finally {
      clearTimeout(timer);
      if (slow) console.log(`[slow evaluate] ${engine}: ${what} ended after ${Date.now() - started} ms`);
    }
  }) as TestPage['evaluate'];
}

async function pollUntil(check: () => Promise<unknown>, timeout: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---- Chromium (playwright-core) ------------------------------------------------------------------

async function launchChromiumEngine(webgpu: boolean): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  const browser: PlaywrightBrowser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Without a GPU, --enable-unsafe-webgpu gives Dawn's SwiftShader adapter; without it there is no adapter.
    args: [...CHROMIUM_FLAGS, ...(webgpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan'] : [])],
  });
  return {
    engine: 'chromium',
    version: `chromium/${browser.version()}`,
    newPage: async () => chromiumPage(await browser.newPage()),
    close: () => browser.close(),
  };
}

function chromiumPage(page: PlaywrightPage): TestPage {
  const errors = collectErrors((listen) => {
    page.on('console', (message) => message.type() === 'error' && listen(message.text()));
    page.on('pageerror', (error) => listen(String(error)));
  });
  const evaluate = reportWhenSlow(
    'chromium',
    ((fn: (arg: unknown) => unknown, arg?: unknown) => page.evaluate(fn, arg)) as TestPage['evaluate'],
    () => page.evaluate(() => window.pageTrace?.()),
    recentLines((listen) => page.on('console', (message) => listen(`${message.type()}: ${message.text()}`))),
  );
  return {
    engine: 'chromium',
    evaluate,
    async waitForFunction(fn, arg, options) {
      await page.waitForFunction(fn as (arg: unknown) => unknown, arg, {
        timeout: options?.timeout ?? DEFAULT_WAIT_MS,
      });
    },
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    close: () => page.close(),
    consoleErrors: async () => [...errors],
  };
}

/** The last console lines of a page and its workers, for the slow-evaluate report. */
function recentLines(subscribe: (listen: (text: string) => void) => void): string[] {
  const lines: string[] = [];
  subscribe((text) => {
    lines.push(text);
    if (lines.length > 40) lines.shift();
  });
  return lines;
}

function collectErrors(subscribe: (listen: (text: string) => void) => void): string[] {
  const errors: string[] = [];
  subscribe((text) => errors.push(text));
  return errors;
}

// ---- Firefox (puppeteer-core over WebDriver BiDi) -------------------------------------------------

async function launchFirefox(prefs: Record<string, string | number | boolean>): Promise<TestBrowser> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser: PuppeteerBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: {
      // The closed network: no update checks, telemetry or captive-portal probes competing with the tests.
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
      'toolkit.telemetry.enabled': false,
      ...prefs,
    },
  });
  return {
    engine: 'firefox',
    version: await browser.version(),
    async newPage() {
      const context = await browser.createBrowserContext();
      return firefoxPage(await context.newPage(), () => context.close());
    },
    close: () => browser.close(),
  };
}

function firefoxPage(page: PuppeteerPage, closeContext: () => Promise<void>): TestPage {
  const errors = collectErrors((listen) => {
    page.on('console', (message) => message.type() === 'error' && listen(message.text()));
    page.on('pageerror', (error) => listen(String(error)));
  });
  // The result crosses as JSON text, as in WebKit: BiDi sends an object met twice in a result as a
  // reference that puppeteer reads back as undefined (a report's placement, the same object as ready's).
  const evaluateJson = (async (fn: (arg: unknown) => unknown, arg?: unknown) => {
    const json = await page.evaluate(
      `Promise.resolve((${fn.toString()})(${JSON.stringify(arg ?? null)})).then((value) => value === undefined ? undefined : JSON.stringify(value))`,
    );
    return json === undefined ? undefined : JSON.parse(json as string);
  }) as TestPage['evaluate'];
  const evaluate = reportWhenSlow(
    'firefox',
    evaluateJson,
    () => page.evaluate('window.pageTrace?.()'),
    recentLines((listen) => page.on('console', (message) => listen(`${message.type()}: ${message.text()}`))),
  );
  return {
    engine: 'firefox',
    evaluate,
    async waitForFunction(fn, arg, options) {
      const timeout = options?.timeout ?? DEFAULT_WAIT_MS;
      await pollUntil(() => evaluate(fn, arg), timeout, String(fn));
    },
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    close: closeContext,
    consoleErrors: async () => [...errors],
  };
}

// ---- WebKit (WebKitWebDriver + MiniBrowser under xvfb-run) -----------------------------------------

/** WebKitGTK's MiniBrowser (Debian package libwebkit2gtk-4.1-0 puts it under the multiarch lib folder). */
export function miniBrowserPath(): string {
  const fromEnv = process.env['WEBKIT_MINIBROWSER'];
  if (fromEnv) return fromEnv;
  for (const lib of ['/usr/lib', '/usr/libexec']) {
    if (!existsSync(lib)) continue;
    for (const entry of readdirSync(lib)) {
      const candidate = path.join(lib, entry, 'webkit2gtk-4.1', 'MiniBrowser');
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error('MiniBrowser not found: apt-get install webkit2gtk-driver (or set WEBKIT_MINIBROWSER)');
}

/** WebKitWebDriver on its own virtual display (xvfb-run -a), so no DISPLAY is needed to run the tests. */
async function startWebKitDriver(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`, '--host=127.0.0.1'], {
    stdio: 'ignore',
    detached: true, // its own process group: stop() ends xvfb-run, Xvfb, the driver and its browsers together
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    await pollUntil(
      () =>
        fetch(`${url}/status`).then(
          (response) => response.ok,
          () => false,
        ),
      20_000,
      'WebKitWebDriver to listen',
    );
  } catch (error) {
    stop();
    throw error;
  }
  return { url, stop };
}

async function launchWebKit(): Promise<TestBrowser> {
  const { Builder } = await import('selenium-webdriver');
  const driverServer = await startWebKitDriver();
  const binary = miniBrowserPath();
  const sessions = new Set<WebDriver>();
  const newSession = async () => {
    const driver = await new Builder()
      .usingServer(driverServer.url)
      .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary, args: ['--automation'] } })
      .build();
    await driver.manage().setTimeouts({ script: 10 * 60_000, pageLoad: 120_000 });
    sessions.add(driver);
    return driver;
  };
  // One session is the version probe and stays open, so the first test does not pay a second launch.
  const first = await newSession();
  const version = `webkitgtk/${(await first.getCapabilities()).get('browserVersion') as string}`;
  let spare: WebDriver | null = first;
  return {
    engine: 'webkit',
    version,
    async newPage() {
      // A WebDriver session is one MiniBrowser process with ephemeral storage: a fresh context per page.
      const driver = spare ?? (await newSession());
      spare = null;
      return webkitPage(driver, async () => {
        sessions.delete(driver);
        await driver.quit();
      });
    },
    async close() {
      await Promise.allSettled([...sessions].map((driver) => driver.quit()));
      driverServer.stop();
    },
  };
}

/**
 * Runs `fn(arg)` in the page as an async WebDriver script. The result crosses as JSON text, so it
 * reads as playwright's would (undefined stays undefined, no WebElement wrapping).
 */
const asyncScript = (source: string) => `
const arg = arguments[0], done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${source})(arg)).then(
  (value) => done({ ok: true, json: value === undefined ? undefined : JSON.stringify(value) }),
  (error) => done({ ok: false, error: String(error && error.stack ? error + '\\n' + error.stack : error) }),
);`;

/** Records the page's uncaught errors and console.error calls (classic WebDriver has no log events). */
const INSTALL_ERROR_RECORDER = `
if (!window.__testErrors) {
  const errors = (window.__testErrors = []);
  const original = console.error.bind(console);
  console.error = (...args) => { errors.push(args.map(String).join(' ')); original(...args); };
  addEventListener('error', (event) => errors.push(String(event.error ?? event.message)));
  addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));
}`;

function webkitPage(driver: WebDriver, close: () => Promise<void>): TestPage {
  const evaluateJson = (async (fn: (arg: unknown) => unknown, arg?: unknown) => {
    const outcome = (await driver.executeAsyncScript(asyncScript(fn.toString()), arg ?? null)) as {
      ok: boolean;
      json?: string;
      error?: string;
    };
    if (!outcome.ok) throw new Error(`evaluate failed in WebKit: ${outcome.error}`);
    return outcome.json === undefined ? undefined : JSON.parse(outcome.json);
  }) as TestPage['evaluate'];
  // WebDriver runs one command at a time: the trace is read once the pending script ends (or times out).
  const evaluate = reportWhenSlow('webkit', evaluateJson, () => driver.executeScript('return window.pageTrace?.()'));
  const recordErrors = () => driver.executeScript(INSTALL_ERROR_RECORDER);
  return {
    engine: 'webkit',
    evaluate,
    async waitForFunction(fn, arg, options) {
      const timeout = options?.timeout ?? DEFAULT_WAIT_MS;
      await pollUntil(() => evaluate(fn, arg), timeout, String(fn));
    },
    async goto(url) {
      await driver.get(url);
      await recordErrors();
    },
    async reload() {
      await driver.navigate().refresh();
      await recordErrors();
    },
    close,
    consoleErrors: async () => ((await driver.executeScript('return window.__testErrors ?? []')) as string[]) ?? [],
  };
}
