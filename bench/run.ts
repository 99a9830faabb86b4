/**
 * Reranking speed: onnxruntime-node vs onnxruntime-web WASM threaded vs single-threaded (real Chromium),
 * same generated bge-reranker-base-shaped model (XLM-R 12 x 768, 8-bit), same passages of ~256 tokens.
 *
 *   npm run bench [-- --sizes 20,100 --repeats 3 --preset bge-reranker-base --dtype q8]
 *
 * Then, per runtime, the progressive path on 30 candidates (issue 11): time to the first partial ranking
 * vs the full rank, the same call again from the score cache, and the latency budget's predicted vs
 * measured time at a quarter and half of the full rank's time.
 *
 * Prints tables and writes bench/results/rerank-speed.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { Reranker } from '../src/engine/index.js';
import { timeBudget, timeProgressive } from './progressive-timing.js';
import { ONNX_FILE_FOR_DTYPE } from '../src/engine/model-files.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { type ModelDtype, writeCrossEncoder } from '../src/model-builder/write-model.js';
import { startHubMirror } from '../src/hub-mirror/hub-mirror.js';
import { SAMPLE_CORPUS } from '../src/demo/sample-corpus-data.js';
import { launchChromium, openTestPage, startPageServer } from '../test/browser/harness.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    sizes: { type: 'string', default: '20,100' },
    repeats: { type: 'string', default: '3' },
    preset: { type: 'string', default: 'bge-reranker-base' },
    dtype: { type: 'string', default: 'q8' },
    tokens: { type: 'string', default: '256' },
    candidates: { type: 'string', default: '30' },
    out: { type: 'string', default: 'bench/results/rerank-speed.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const sizes = values.sizes.split(',').map(Number);
const repeats = Number(values.repeats);
const dtype = values.dtype as ModelDtype;
const passageTokens = Number(values.tokens);

const folder = path.resolve(`models/bench-${values.preset}`);
if (!existsSync(path.join(folder, ONNX_FILE_FOR_DTYPE[dtype]))) {
  console.error(`building ${values.preset} into ${folder} (random weights) ...`);
  await writeCrossEncoder({
    preset: PRESETS[values.preset],
    outDir: folder,
    seed: 1,
    dtypes: [...new Set<ModelDtype>(['fp32', 'q8', dtype])],
  });
}

/** Passages of exactly `passageTokens` tokens (decoded back to text), cut from the sample corpus. */
async function makePassages(count: number): Promise<string[]> {
  const tokenizer = await AutoTokenizer.from_pretrained(folder);
  const passages: string[] = [];
  for (let i = 0; passages.length < count; i++) {
    const text = Array.from({ length: 12 }, (_, k) => SAMPLE_CORPUS[(i * 7 + k) % SAMPLE_CORPUS.length]!.text).join(
      ' ',
    );
    const ids = tokenizer.encode(text, { add_special_tokens: false }).slice(0, passageTokens);
    passages.push(tokenizer.decode(ids));
  }
  return passages;
}

const query = '한국은행은 기준금리를 어떻게 결정하나요?';
const candidates = Number(values.candidates);
const passages = await makePassages(Math.max(...sizes, candidates));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  runtime: string;
  passages: number;
  medianMs: number;
  docsPerSecond: number;
  runsMs: number[];
}
const rows: Row[] = [];

/** Issue 11: the progressive path, the cache and the budget, per runtime. */
interface ProgressiveRow {
  runtime: string;
  candidates: number;
  firstPartialMs: number;
  firstPartialScored: number;
  partials: number;
  fullMs: number;
  cachedMs: number;
  cacheHits: number;
  budgets: Array<{
    budgetMs: number;
    predictedMs: number;
    measuredMs: number;
    errorPercent: number;
    scored: number;
    maxLength: number;
  }>;
}
const progressiveRows: ProgressiveRow[] = [];
type Timing = Awaited<ReturnType<typeof timeProgressive>>;
type BudgetRun = Awaited<ReturnType<typeof timeBudget>>;
/** Each call gets its own query so no earlier call's scores come from the cache. */
let queryCount = 0;
const freshQuery = () => `${query} ${++queryCount}`;
async function measureProgressive(
  runtime: string,
  progressive: (q: string) => Promise<Timing>,
  budget: (q: string, ms: number) => Promise<BudgetRun>,
) {
  const timing = await progressive(freshQuery());
  const budgets: ProgressiveRow['budgets'] = [];
  for (const fraction of [0.25, 0.5]) {
    const budgetMs = Math.round(timing.fullMs * fraction);
    const run = await budget(freshQuery(), budgetMs);
    const predictedMs = run.plan?.predictedMs ?? NaN;
    budgets.push({
      budgetMs,
      predictedMs,
      measuredMs: run.measuredMs,
      errorPercent: (100 * (run.measuredMs - predictedMs)) / predictedMs,
      scored: run.scored,
      maxLength: run.plan?.maxLength ?? NaN,
    });
  }
  const row = {
    runtime,
    candidates,
    firstPartialMs: timing.firstPartialMs,
    firstPartialScored: timing.firstScored,
    partials: timing.partials,
    fullMs: timing.fullMs,
    cachedMs: timing.cachedMs,
    cacheHits: timing.cacheHits,
    budgets,
  };
  progressiveRows.push(row);
  console.error(
    `  ${runtime.padEnd(34)} first partial ${row.firstPartialMs.toFixed(0)} ms (${row.firstPartialScored} scored), full ${row.fullMs.toFixed(0)} ms, cached ${row.cachedMs.toFixed(1)} ms`,
  );
}
const record = (runtime: string, n: number, runsMs: number[]) => {
  const medianMs = median(runsMs);
  const row = { runtime, passages: n, medianMs, docsPerSecond: n / (medianMs / 1000), runsMs };
  rows.push(row);
  console.error(
    `  ${runtime.padEnd(34)} ${String(n).padStart(4)} passages  ${row.medianMs.toFixed(0).padStart(7)} ms  ${row.docsPerSecond.toFixed(1).padStart(6)} docs/s`,
  );
};

// onnxruntime-node (native CPU), through the same engine.
{
  const reranker = await Reranker.load({ model: folder, dtype });
  await reranker.rank(query, passages.slice(0, 2)); // warm-up
  for (const n of sizes) {
    const runs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      await reranker.rank(freshQuery(), passages.slice(0, n));
      runs.push(performance.now() - started);
    }
    record(`onnxruntime-node (CPU, ${dtype})`, n, runs);
  }
  const documents = passages.slice(0, candidates);
  await measureProgressive(
    `onnxruntime-node (CPU, ${dtype})`,
    (q) => timeProgressive(reranker, q, documents),
    (q, budgetMs) => timeBudget(reranker, q, documents, budgetMs),
  );
  await reranker.dispose();
}

// onnxruntime-web in Chromium: threaded (cross-origin isolated) and single-threaded.
const server = await startHubMirror({ models: { 'bench/model': folder } });
for (const isolated of [true, false]) {
  const pages = await startPageServer({ isolated });
  const browser = await launchChromium({ webgpu: false });
  try {
    const { page } = await openTestPage(browser, pages.url);
    const loaded = await page.evaluate(
      ([host, d]) =>
        window.rerankerTest.load({
          model: 'bench/model',
          remoteHost: host,
          device: 'wasm',
          dtype: d as 'q8',
          browserCache: false,
        }),
      [server.url, dtype] as const,
    );
    if (!loaded.ok) throw new Error(`browser load failed: ${JSON.stringify(loaded.error)}`);
    const label = `onnxruntime-web WASM (${loaded.ready.threads} thread${loaded.ready.threads > 1 ? 's' : ''}, ${dtype})`;
    await page.evaluate(([q, docs]) => window.rerankerTest.timeRank(q, docs, 1), [
      query,
      passages.slice(0, 2),
    ] as const);
    for (const n of sizes) {
      record(
        label,
        n,
        await page.evaluate(([q, docs, r]) => window.rerankerTest.timeRank(q, docs, r), [
          query,
          passages.slice(0, n),
          repeats,
        ] as const),
      );
    }
    const documents = passages.slice(0, candidates);
    await measureProgressive(
      label,
      (q) => page.evaluate(([qq, docs]) => window.rerankerTest.timeProgressive(qq, docs), [q, documents] as const),
      (q, budgetMs) =>
        page.evaluate(([qq, docs, b]) => window.rerankerTest.timeBudget(qq, docs, b), [
          q,
          documents,
          budgetMs,
        ] as const),
    );
  } finally {
    await browser.close();
    await pages.close();
  }
}
await server.close();

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
};
console.log(
  `\nRerank speed: ${values.preset} shape, ${dtype}, passages of ${passageTokens} tokens, median of ${repeats} runs (${machine.cpus} cores, ${machine.cpuModel})\n`,
);
console.log('| runtime | passages | median latency (ms) | docs/s |');
console.log('|---|---:|---:|---:|');
for (const row of rows)
  console.log(`| ${row.runtime} | ${row.passages} | ${row.medianMs.toFixed(0)} | ${row.docsPerSecond.toFixed(1)} |`);
console.log(
  `\nProgressive ranking, score cache and latency budget: ${candidates} candidates of ${passageTokens} tokens, one run each\n`,
);
console.log(
  '| runtime | first partial (ms) | scored at first partial | partials | full rank (ms) | cached re-rank (ms) | cache hits |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of progressiveRows) {
  console.log(
    `| ${r.runtime} | ${r.firstPartialMs.toFixed(0)} | ${r.firstPartialScored} | ${r.partials} | ${r.fullMs.toFixed(0)} | ${r.cachedMs.toFixed(1)} | ${r.cacheHits} |`,
  );
}
console.log('\n| runtime | budget (ms) | plan: candidates, maxLength | predicted (ms) | measured (ms) | error |');
console.log('|---|---:|---|---:|---:|---:|');
for (const r of progressiveRows) {
  for (const b of r.budgets)
    console.log(
      `| ${r.runtime} | ${b.budgetMs} | ${b.scored}, ${b.maxLength} | ${b.predictedMs.toFixed(0)} | ${b.measuredMs.toFixed(0)} | ${b.errorPercent.toFixed(0)}% |`,
    );
}
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(
  values.out,
  `${JSON.stringify({ preset: values.preset, dtype, passageTokens, repeats, candidates, machine, load: os.loadavg(), rows, progressive: progressiveRows }, null, 2)}\n`,
);
console.log(`\nwrote ${values.out}`);
