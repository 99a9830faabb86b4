/**
 * A new user's first visit to the demo (dev server, empty browser cache, hub unreachable so the generated
 * demo model loads): bytes the page and its workers fetch until the status line says ready, by file, and
 * the time from navigation to each status the page showed (model files, runtime, compile, ready).
 * Each round is a fresh browser context, so nothing is cached between rounds.
 *
 * Two variants side by side, alternating round by round on one browser: `before` is a dev server built
 * with `__FORCE_ORT_BUILD__ = 'webgpu'` (every worker loads onnxruntime's build with WebGPU, as before
 * issue 20 item 2), `after` is the app as it is (the WASM-only build when the plan has no WebGPU).
 *
 *   npm run bench:page-open [-- --repeats 3 --webgpu]
 *
 * Prints a table and writes bench/results/page-open.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';
import { blockHub, launchChromium, startPageServer } from '../test/browser/harness.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    repeats: { type: 'string', default: '3' },
    webgpu: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/page-open.json' },
  },
});
const repeats = Number(values.repeats);

interface Round {
  readyMs: number;
  bytes: number;
  requests: number;
  /** Bytes by file name (query strings and hashes left in), largest first. */
  files: Array<{ name: string; bytes: number; count: number }>;
  /** Each distinct status text and when it first showed, ms from navigation. */
  statuses: Array<{ atMs: number; text: string }>;
}

await import('../scripts/ensure-demo-model.js');
const VARIANTS = {
  before: await startPageServer({ isolated: true, define: { __FORCE_ORT_BUILD__: JSON.stringify('webgpu') } }),
  after: await startPageServer({ isolated: true }),
};
type Variant = keyof typeof VARIANTS;
const browser = await launchChromium({ webgpu: values.webgpu });
const rounds: Record<Variant, Round[]> = { before: [], after: [] };

async function openOnce(url: string): Promise<Round> {
  const context = await browser.newContext();
  await blockHub(context);
  const page = await context.newPage();
  const sizes: Array<Promise<{ name: string; bytes: number }>> = [];
  // Dedicated workers' requests are reported on the page too (the model files and onnxruntime's wasm).
  page.on('requestfinished', (request) =>
    sizes.push(
      request.sizes().then((s) => ({
        name: new URL(request.url()).pathname.split('/').at(-1) || '/',
        bytes: s.responseBodySize + s.responseHeadersSize,
      })),
    ),
  );
  const started = Date.now();
  await page.goto(url);
  // A string, not a function: tsx would wrap named inner functions in a helper the page does not have.
  const statuses = (await page.evaluate(`new Promise((resolve) => {
    const seen = [];
    const status = document.getElementById('status');
    function note() {
      const text = (status.textContent || '').replace(/[\\d.]+ \\/ [\\d.]+ MB/, '… MB');
      if (!seen.length || seen[seen.length - 1].text !== text) seen.push({ atMs: performance.now(), text });
      if (text.startsWith('준비됨') || status.classList.contains('error')) resolve(seen);
    }
    new MutationObserver(note).observe(status, { childList: true, characterData: true, subtree: true });
    note();
  })`)) as Round['statuses'];
  const readyMs = Date.now() - started;
  await page.waitForTimeout(500); // the last requestfinished events
  const finished = await Promise.all(sizes);
  const byName = new Map<string, { bytes: number; count: number }>();
  for (const { name, bytes } of finished) {
    const entry = byName.get(name) ?? { bytes: 0, count: 0 };
    entry.bytes += bytes;
    entry.count++;
    byName.set(name, entry);
  }
  const files = [...byName].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.bytes - a.bytes);
  await context.close();
  return { readyMs, bytes: files.reduce((s, f) => s + f.bytes, 0), requests: finished.length, files, statuses };
}

try {
  for (let round = 0; round <= repeats; round++) {
    // Alternating, so that a machine busier in one stretch weighs on both variants alike.
    const order: Variant[] = round % 2 ? ['after', 'before'] : ['before', 'after'];
    for (const variant of order) {
      const result = await openOnce(VARIANTS[variant].url);
      // Round 0 warms each dev server's module transforms; it is not counted.
      if (round === 0) continue;
      rounds[variant].push(result);
      console.error(
        `  round ${round} ${variant.padEnd(6)}: ready ${result.readyMs} ms, ${(result.bytes / 1e6).toFixed(1)} MB in ${result.requests} requests`,
      );
    }
  }
} finally {
  await browser.close();
  for (const server of Object.values(VARIANTS)) await server.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = Object.fromEntries(
  (Object.keys(rounds) as Variant[]).map((variant) => [
    variant,
    {
      readyMs: median(rounds[variant].map((r) => r.readyMs)),
      bytes: median(rounds[variant].map((r) => r.bytes)),
      requests: median(rounds[variant].map((r) => r.requests)),
    },
  ]),
) as Record<Variant, { readyMs: number; bytes: number; requests: number }>;
console.log(
  `page open to ready, median of ${repeats} rounds each (${values.webgpu ? 'WebGPU flag on' : 'no WebGPU'}):`,
);
console.log('  variant  ready ms        MB  requests');
for (const [variant, m] of Object.entries(summary))
  console.log(
    `  ${variant.padEnd(7)} ${String(m.readyMs).padStart(9)} ${(m.bytes / 1e6).toFixed(1).padStart(9)} ${String(m.requests).padStart(9)}`,
  );
for (const variant of Object.keys(rounds) as Variant[]) {
  const last = rounds[variant].at(-1)!;
  console.log(`\nlargest files (${variant}, last round):`);
  for (const file of last.files.slice(0, 6))
    console.log(`  ${(file.bytes / 1e6).toFixed(2).padStart(7)} MB  ${file.count}x  ${file.name}`);
  console.log(`status line (${variant}, last round, ms from navigation):`);
  for (const status of last.statuses) console.log(`  ${status.atMs.toFixed(0).padStart(6)}  ${status.text}`);
}
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify({ webgpu: values.webgpu, summary, rounds }, null, 2)}\n`);
