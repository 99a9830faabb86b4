/**
 * Reranking speed: onnxruntime-node vs onnxruntime-web WASM threaded vs single-threaded (real Chromium),
 * same generated bge-reranker-base-shaped model (XLM-R 12 x 768, 8-bit), same passages of ~256 tokens.
 *
 *   npm run bench [-- --sizes 20,100 --repeats 3 --preset bge-reranker-base --dtype q8]
 *
 * Prints a table and writes bench/results/rerank-speed.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer } from '@huggingface/transformers';
import { Reranker } from '../src/engine/index.js';
import { ONNX_FILE_FOR_DTYPE } from '../src/engine/model-files.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { type ModelDtype, writeCrossEncoder } from '../src/model-builder/write-model.js';
import { startModelServer } from '../src/model-server/server.js';
import { SAMPLE_CORPUS } from '../src/demo/sample-corpus-data.js';
import { launchChromium, openTestPage, startPageServer } from '../test/browser/harness.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '20,100' },
    repeats: { type: 'string', default: '3' },
    preset: { type: 'string', default: 'bge-reranker-base' },
    dtype: { type: 'string', default: 'q8' },
    tokens: { type: 'string', default: '256' },
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
  await writeCrossEncoder({ preset: PRESETS[values.preset], outDir: folder, seed: 1, dtypes: [...new Set<ModelDtype>(['fp32', 'q8', dtype])] });
}

/** Passages of exactly `passageTokens` tokens (decoded back to text), cut from the sample corpus. */
async function makePassages(count: number): Promise<string[]> {
  const tokenizer = await AutoTokenizer.from_pretrained(folder);
  const passages: string[] = [];
  for (let i = 0; passages.length < count; i++) {
    const text = Array.from({ length: 12 }, (_, k) => SAMPLE_CORPUS[(i * 7 + k) % SAMPLE_CORPUS.length]!.text).join(' ');
    const ids = tokenizer.encode(text, { add_special_tokens: false }).slice(0, passageTokens);
    passages.push(tokenizer.decode(ids));
  }
  return passages;
}

const query = '한국은행은 기준금리를 어떻게 결정하나요?';
const passages = await makePassages(Math.max(...sizes));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  runtime: string;
  passages: number;
  medianMs: number;
  docsPerSecond: number;
  runsMs: number[];
}
const rows: Row[] = [];
const record = (runtime: string, n: number, runsMs: number[]) => {
  const medianMs = median(runsMs);
  const row = { runtime, passages: n, medianMs, docsPerSecond: n / (medianMs / 1000), runsMs };
  rows.push(row);
  console.error(`  ${runtime.padEnd(34)} ${String(n).padStart(4)} passages  ${row.medianMs.toFixed(0).padStart(7)} ms  ${row.docsPerSecond.toFixed(1).padStart(6)} docs/s`);
};

// onnxruntime-node (native CPU), through the same engine.
{
  const reranker = await Reranker.load({ model: folder, dtype });
  await reranker.rank(query, passages.slice(0, 2)); // warm-up
  for (const n of sizes) {
    const runs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      await reranker.rank(query, passages.slice(0, n));
      runs.push(performance.now() - started);
    }
    record(`onnxruntime-node (CPU, ${dtype})`, n, runs);
  }
  await reranker.dispose();
}

// onnxruntime-web in Chromium: threaded (cross-origin isolated) and single-threaded.
const server = await startModelServer({ models: { 'bench/model': folder } });
for (const isolated of [true, false]) {
  const pages = await startPageServer({ isolated });
  const browser = await launchChromium({ webgpu: false });
  try {
    const { page } = await openTestPage(browser, pages.url);
    const loaded = await page.evaluate(([host, d]) => window.rerankerTest.load({ model: 'bench/model', remoteHost: host, device: 'wasm', dtype: d as 'q8', browserCache: false }), [server.url, dtype] as const);
    if (!loaded.ok) throw new Error(`browser load failed: ${JSON.stringify(loaded.error)}`);
    const label = `onnxruntime-web WASM (${loaded.ready.threads} thread${loaded.ready.threads > 1 ? 's' : ''}, ${dtype})`;
    await page.evaluate(([q, docs]) => window.rerankerTest.timeRank(q, docs, 1), [query, passages.slice(0, 2)] as const);
    for (const n of sizes) {
      record(label, n, await page.evaluate(([q, docs, r]) => window.rerankerTest.timeRank(q, docs, r), [query, passages.slice(0, n), repeats] as const));
    }
  } finally {
    await browser.close();
    await pages.close();
  }
}
await server.close();

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
console.log(`\nRerank speed: ${values.preset} shape, ${dtype}, passages of ${passageTokens} tokens, median of ${repeats} runs (${machine.cpus} cores, ${machine.cpuModel})\n`);
console.log('| runtime | passages | median latency (ms) | docs/s |');
console.log('|---|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.runtime} | ${row.passages} | ${row.medianMs.toFixed(0)} | ${row.docsPerSecond.toFixed(1)} |`);
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify({ preset: values.preset, dtype, passageTokens, repeats, machine, rows }, null, 2)}\n`);
console.log(`\nwrote ${values.out}`);
