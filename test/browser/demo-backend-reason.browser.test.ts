/**
 * The demo says why the model runs where it runs (issue 20 item 6): with Chromium's WebGPU flag on a
 * machine without a GPU, the only adapter is SwiftShader's software fallback, the backend plan picks WASM
 * and says why (about 40x slower), and the page shows that reason under the status line; without the flag
 * it says there is no WebGPU adapter.
 */
import { afterEach, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { blockHub, launchChromium, startPageServer } from './harness.js';

let browser: Browser | undefined;
let pages: { url: string; close(): Promise<void> } | undefined;
afterEach(async () => {
  await browser?.close();
  await pages?.close();
});

async function reasonShown(webgpu: boolean): Promise<{ status: string; reason: string; visible: boolean }> {
  await import('../../scripts/ensure-demo-model.js');
  pages = await startPageServer({ isolated: true });
  browser = await launchChromium({ webgpu });
  const page = await browser.newPage();
  await blockHub(page.context()); // the generated demo model, whatever this machine can reach
  await page.goto(pages.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('준비됨'), undefined, {
    timeout: 90_000,
  });
  return {
    status: (await page.textContent('#status')) ?? '',
    reason: (await page.textContent('#backend-reason')) ?? '',
    visible: await page.isVisible('#backend-reason'),
  };
}

test('a software WebGPU adapter: WASM, and the page says why', async () => {
  const shown = await reasonShown(true);
  expect(shown.status).toMatch(/wasm \/ q8/);
  expect(shown.visible).toBe(true);
  expect(shown.reason).toMatch(/^백엔드 선택 이유 \(demo-xlmr: wasm — .*software fallback.*40x slower than WASM/);
});

test('no WebGPU adapter at all: the page says that instead', async () => {
  const shown = await reasonShown(false);
  expect(shown.visible).toBe(true);
  expect(shown.reason).toMatch(/^백엔드 선택 이유 \(demo-xlmr: wasm — .*no WebGPU adapter/);
  expect(shown.reason).not.toMatch(/software fallback/);
});
