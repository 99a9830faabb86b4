/**
 * Peak memory of loading and ranking in each browser engine (BROWSER_ENGINE, default chromium), for the
 * generated bge-reranker-base and ko-reranker shapes at q8 on WASM. Memory is the resident set (RSS) of
 * every process the browser started (renderer, GPU, network, the WebKit web process...), sampled every
 * 50 ms from /proc; shared pages count once per process, so the figures are upper bounds, compared with
 * the same browser idle on the same page. Linux only.
 *
 *   BROWSER_ENGINE=firefox npm run bench:engine-memory [-- --presets bge-reranker-base,ko-reranker]
 *
 * Prints a table and writes bench/results/engine-memory-<engine>.json.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ONNX_FILE_FOR_DTYPE } from '../src/engine/model-files.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { startHubMirror } from '../src/hub-mirror/hub-mirror.js';
import { ENGINE, launchBrowser, openEnginePage, startPageServer } from '../test/browser/harness.js';
import { KOREAN_QUERY, longPassage } from '../test/helpers/text.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    presets: { type: 'string', default: 'bge-reranker-base,ko-reranker' },
    out: { type: 'string', default: `bench/results/engine-memory-${ENGINE}.json` },
  },
});
const dtype = 'q8';

/** Resident bytes of every descendant of this process (the browser and its helpers). */
function descendantRss(): number {
  const parentOf = new Map<number, number>();
  const rssOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
      rssOf.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // the process ended while we read
    }
  }
  let total = 0;
  for (const [pid, rss] of rssOf) {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) {
      if (p === process.pid) {
        total += rss;
        break;
      }
    }
  }
  return total;
}

/** Peak descendant RSS while `work` runs. */
async function peakDuring<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = descendantRss();
  const timer = setInterval(() => (peak = Math.max(peak, descendantRss())), 50);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, descendantRss()) };
  } finally {
    clearInterval(timer);
  }
}

const MB = 2 ** 20;
const rows: Array<Record<string, unknown>> = [];
for (const preset of values.presets.split(',')) {
  if (!isPresetName(preset)) throw new Error(`unknown preset ${preset}`);
  const folder = path.resolve(`models/bench-memory-${preset}`);
  if (!existsSync(path.join(folder, ONNX_FILE_FOR_DTYPE[dtype]))) {
    console.error(`building ${preset} into ${folder} (random weights) ...`);
    await writeCrossEncoder({ preset: PRESETS[preset], outDir: folder, seed: 1, dtypes: [dtype] });
  }
  const models = await startHubMirror({ models: { [`bench/${preset}`]: folder } });
  const pages = await startPageServer({ isolated: true });
  const browser = await launchBrowser();
  try {
    const page = await openEnginePage(browser, pages.url);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = descendantRss();
    const load = await peakDuring(() =>
      page.evaluate(
        ([host, id]) =>
          window.rerankerTest.load({
            model: id,
            remoteHost: host,
            device: 'wasm',
            dtype: 'q8',
            browserCache: false,
          } as never),
        [models.url, `bench/${preset}`] as const,
      ),
    );
    if (!load.result.ok) throw new Error(`load failed: ${JSON.stringify(load.result)}`);
    const documents = Array.from({ length: 32 }, (_, i) => `${i} ${longPassage(8)}`);
    const rank = await peakDuring(() =>
      page.evaluate(([q, docs]) => window.rerankerTest.rank(q, docs), [KOREAN_QUERY, documents] as const),
    );
    if (!rank.result.ok) throw new Error(`rank failed: ${JSON.stringify(rank.result)}`);
    const row = {
      engine: browser.version,
      preset,
      fileMb: Math.round(readFileSync(path.join(folder, ONNX_FILE_FOR_DTYPE[dtype])).length / MB),
      threads: load.result.ready.threads,
      idleMb: Math.round(idle / MB),
      loadPeakMb: Math.round(load.peak / MB),
      rankPeakMb: Math.round(rank.peak / MB),
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  } finally {
    await browser.close();
    await pages.close();
    await models.close();
  }
}
console.table(rows);
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify({ dtype, rows }, null, 2));
