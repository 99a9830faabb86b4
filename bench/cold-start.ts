/**
 * Cold start in real Chromium: createReranker -> ready with the model already in the Cache API (a second
 * visit), against the floor any onnxruntime-web app pays: a bare module worker that loads the same
 * onnxruntime-web build and InferenceSession.creates the same cached bytes. Both run in the same page,
 * alternately, `--repeats` times each after one unmeasured round; medians are compared.
 *
 *   npm run bench:cold-start [-- --preset ms-marco-minilm-l6 --repeats 7 --threads 2]
 *
 * Prints a table (and where the reranker's time went, from its progress events) and writes
 * bench/results/cold-start.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ONNX_FILE_FOR_DTYPE } from '../src/engine/model-files.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { startHubMirror } from '../src/hub-mirror/hub-mirror.js';
import { MODEL_CACHE_NAME } from '../src/worker/model-cache-name.js';
import { launchChromium, openTestPage, startPageServer } from '../test/browser/harness.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    preset: { type: 'string', default: 'ms-marco-minilm-l6' },
    repeats: { type: 'string', default: '7' },
    threads: { type: 'string' },
    out: { type: 'string', default: 'bench/results/cold-start.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const repeats = Number(values.repeats);
const dtype = 'q8';

const folder = path.resolve(`models/bench-cold-${values.preset}`);
if (!existsSync(path.join(folder, ONNX_FILE_FOR_DTYPE[dtype]))) {
  console.error(`building ${values.preset} into ${folder} (random weights) ...`);
  await writeCrossEncoder({ preset: PRESETS[values.preset], outDir: folder, seed: 1, dtypes: [dtype] });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MODEL = 'bench/cold';
const models = await startHubMirror({ models: { [MODEL]: folder } });
const pages = await startPageServer({ isolated: true });
const browser = await launchChromium({ webgpu: false });

interface Run {
  ms: number;
  events: Array<{ event: string; atMs: number }>;
}
const reranker: Run[] = [];
const bare: number[] = [];
let threads = 0;
try {
  const { page } = await openTestPage(browser, pages.url);
  const load = {
    model: MODEL,
    remoteHost: models.url,
    device: 'wasm',
    dtype,
    browserCache: true,
    ...(values.threads ? { threads: Number(values.threads) } : {}),
  } as const;
  const request = {
    url: `${models.url}/${MODEL}/resolve/main/${ONNX_FILE_FOR_DTYPE[dtype]}`,
    cacheName: MODEL_CACHE_NAME,
    threads: 0,
  };
  // Round 0 fills the Cache API (and the page server's module transforms); it is not measured.
  for (let round = 0; round <= repeats; round++) {
    const run = await page.evaluate((options) => window.rerankerTest.coldStart(options as never), load);
    threads = run.ready.threads;
    request.threads = threads;
    const base = await page.evaluate((r) => window.rerankerTest.bareSession(r), request);
    if (!base.ok) throw new Error(`bare session failed: ${base.error}`);
    if (round === 0) continue;
    reranker.push({ ms: run.ms, events: run.events });
    bare.push(base.ms);
    console.error(
      `  round ${round}: createReranker -> ready ${run.ms.toFixed(0)} ms, bare InferenceSession.create ${base.ms.toFixed(0)} ms`,
    );
  }
} finally {
  await browser.close();
  await pages.close();
  await models.close();
}

/** Median time from the start to each progress phase (the first event of each kind). */
function phaseMedians(runs: Run[]): Record<string, number> {
  const names = ['download', 'compile', 'warm-up', 'ready'];
  const out: Record<string, number> = {};
  for (const name of names) {
    const times = runs
      .map((r) => r.events.find((e) => e.event.split(' ')[0] === name)?.atMs)
      .filter((t): t is number => t !== undefined);
    if (times.length) out[`first ${name} event`] = median(times);
  }
  return out;
}

const rerankerMs = median(reranker.map((r) => r.ms));
const bareMs = median(bare);
const ratio = rerankerMs / bareMs;
const onnxBytes = (await import('node:fs')).statSync(path.join(folder, ONNX_FILE_FOR_DTYPE[dtype])).size;
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version };
console.log(
  `\nCold start from the Cache API: ${values.preset} shape, ${dtype} (${(onnxBytes / 1e6).toFixed(1)} MB), WASM ${threads} thread(s), median of ${repeats} (${machine.cpus} cores)\n`,
);
console.log('| measured | median (ms) | runs (ms) |');
console.log('|---|---:|---|');
console.log(
  `| createReranker -> ready | ${rerankerMs.toFixed(0)} | ${reranker.map((r) => r.ms.toFixed(0)).join(', ')} |`,
);
console.log(
  `| bare worker + InferenceSession.create | ${bareMs.toFixed(0)} | ${bare.map((b) => b.toFixed(0)).join(', ')} |`,
);
console.log(`\nratio: ${ratio.toFixed(2)}x`);
const phases = phaseMedians(reranker);
console.log(
  `reranker progress (median ms from the start): ${Object.entries(phases)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ')}`,
);
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(
  values.out,
  `${JSON.stringify({ preset: values.preset, dtype, onnxBytes, threads, repeats, machine, rerankerMs, bareMs, ratio, phases, runs: { reranker, bare } }, null, 2)}\n`,
);
console.log(`\nwrote ${values.out}`);
