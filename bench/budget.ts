/**
 * Latency budget: does the cost model, fitted only from the warm-up calibration runs, predict how long
 * a rank takes? For 10/20/50 candidates of about 128/256/512 tokens (AutoRAG Korean passages), the
 * predicted model time of the engine's batches against the measured rank time, on onnxruntime-node
 * (native CPU, through Reranker.rank) and onnxruntime-web's WASM backend in Node (a bare session fed
 * the same rows and batches as the engine would: transformers.js in Node cannot run WASM).
 *
 *   npm run bench:budget [-- --preset bge-reranker-base --repeats 3 --candidates 10,20,50 --tokens 128,256,512 --backends native,wasm --warm-passes 0]
 *
 * Two predictions per cell: from the calibration alone (a fresh worker), and refined from every run
 * observed before the cell (the engine observes its runs): `--warm-passes 1` first runs the whole grid
 * once for the refined model only, as a worker in use for a while has seen such ranks.
 *
 * Prints a table (predicted, measured, error) and writes bench/results/budget.json. The measured time
 * includes tokenization, which the prediction leaves out (it is a few percent at most here).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ortWeb from 'onnxruntime-web';
import { planBatches } from '../src/engine/batching.js';
import { runShapes } from '../src/engine/budget-plan.js';
import { calibrate } from '../src/engine/calibration.js';
import { CostModel, type RunShape, calibrationShapes } from '../src/engine/cost-model.js';
import { Reranker } from '../src/engine/index.js';
import { type EncodedRow, PairEncoder } from '../src/engine/pair-encoder.js';
import { SAMPLE_CORPUS } from '../src/demo/sample-corpus-data.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    preset: { type: 'string', default: 'bge-reranker-base' },
    repeats: { type: 'string', default: '3' },
    candidates: { type: 'string', default: '10,20,50' },
    tokens: { type: 'string', default: '128,256,512' },
    backends: { type: 'string', default: 'native,wasm' },
    threads: { type: 'string', default: String(Math.min(2, os.cpus().length)) },
    'batch-tokens': { type: 'string', default: '8192' },
    /** Passes over the grid whose runs only feed the refined model first, as a worker in use has seen. */
    'warm-passes': { type: 'string', default: '0' },
    out: { type: 'string', default: 'bench/results/budget.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const repeats = Number(values.repeats);
const candidateCounts = values.candidates.split(',').map(Number);
const tokenTargets = values.tokens.split(',').map(Number);
const backends = values.backends.split(',') as Array<'native' | 'wasm'>;
const threads = Number(values.threads);
const batchTokens = Number(values['batch-tokens']);
const warmPasses = Number(values['warm-passes']);
const MAX_LENGTH = 512;

const folder = path.resolve(`models/bench-budget-${values.preset}`);
const onnxFile = path.join(folder, 'onnx/model_quantized.onnx');
if (!existsSync(onnxFile)) {
  console.error(`building ${values.preset} (q8, random weights) into ${folder} ...`);
  await writeCrossEncoder({ preset: PRESETS[values.preset], outDir: folder, seed: 1, dtypes: ['q8'] });
}

// ---- text: AutoRAG Korean passages cut to about the target length --------------------------------

const tokenizer = await AutoTokenizer.from_pretrained(folder);
const encoder = new PairEncoder(tokenizer);

async function readJsonLines(file: string): Promise<Array<{ text: string }>> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string });
}
const dataDir = path.resolve('../shared/data/autorag-ko');
const haveAutorag = existsSync(path.join(dataDir, 'corpus.jsonl'));
const corpus = haveAutorag
  ? (await readJsonLines(path.join(dataDir, 'corpus.jsonl'))).map((d) => d.text)
  : SAMPLE_CORPUS.map((d) => d.text);
const query = haveAutorag
  ? (await readJsonLines(path.join(dataDir, 'queries.jsonl')))[0]!.text
  : '한국은행은 기준금리를 어떻게 결정하나요?';
const queryTokens = encoder.tokenize(query);

/**
 * `count` passages whose pairs are about `target` tokens: each a run of corpus text cut to between 80%
 * and 100% of the target (deterministic), as first-stage results of one query vary in length.
 */
function passagesOf(count: number, target: number): string[] {
  const passages: string[] = [];
  for (let i = 0; passages.length < count; i++) {
    const want = Math.round(
      (target - queryTokens.length - encoder.pairSpecialTokens) * (0.8 + 0.2 * (((i * 7919) % 101) / 100)),
    );
    let text = '';
    for (let k = 0; encoder.tokenize(text).length < want; k++) text += `${corpus[(i * 13 + k) % corpus.length]} `;
    const ids = tokenizer.encode(text, { add_special_tokens: false }).slice(0, Math.max(1, want));
    passages.push(tokenizer.decode(ids));
  }
  return passages;
}

/** The rows the engine makes for these passages (passage-first truncation at 512). */
function rowsOf(passages: string[]): EncodedRow[] {
  return passages.map((p) => encoder.encode(queryTokens, encoder.tokenize(p, MAX_LENGTH), MAX_LENGTH, null)[0]!);
}

/** A row of exactly `width` tokens, as Reranker.calibrate makes them. */
function calibrationRow(width: number): EncodedRow {
  const [token = 'a'] = encoder.tokenize('a');
  return encoder.encode([token], new Array<string>(width).fill(token), width, null)[0]!;
}

// ---- backends: calibrate, then time a rank ------------------------------------------------------

interface Backend {
  label: string;
  /** One model run, as the engine's run(): Reranker.runRows natively, a bare session on WASM. */
  runRows(rows: EncodedRow[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A rank's model work as the engine's logits() does it: encode every pair, length-sorted batches, one
 * run each. Each run is timed too, for the refined cost model (as the engine will observe its runs).
 */
async function rank(
  backend: Backend,
  passages: string[],
): Promise<{ ms: number; runs: Array<{ shape: RunShape; ms: number }> }> {
  const started = performance.now();
  const rows = rowsOf(passages);
  const runs: Array<{ shape: RunShape; ms: number }> = [];
  for (const batch of planBatches(
    rows.map((r) => r.inputIds.length),
    batchTokens,
  )) {
    const batchRows = batch.map((i) => rows[i]!);
    const t0 = performance.now();
    await backend.runRows(batchRows);
    runs.push({
      shape: { rows: batchRows.length, width: Math.max(...batchRows.map((r) => r.inputIds.length)) },
      ms: performance.now() - t0,
    });
  }
  return { ms: performance.now() - started, runs };
}

async function nativeBackend(): Promise<Backend> {
  const reranker = await Reranker.load({ model: folder, dtype: 'q8', device: 'cpu' });
  return {
    label: 'onnxruntime-node (CPU, q8)',
    runRows: (rows) => reranker.runRows(rows),
    close: () => reranker.dispose(),
  };
}

async function wasmBackend(): Promise<Backend> {
  ortWeb.env.wasm.numThreads = threads;
  const session = await ortWeb.InferenceSession.create(onnxFile, { executionProviders: ['wasm'] });
  const takesTokenTypes = session.inputNames.includes('token_type_ids');
  // The engine's run(): rows right-padded to the longest, int64 feeds.
  const runRows = async (rows: EncodedRow[]) => {
    const width = Math.max(...rows.map((r) => r.inputIds.length));
    const ids = new BigInt64Array(rows.length * width).fill(BigInt(encoder.padTokenId));
    const mask = new BigInt64Array(rows.length * width);
    const types = new BigInt64Array(rows.length * width);
    rows.forEach((row, r) =>
      row.inputIds.forEach((id, t) => {
        ids[r * width + t] = BigInt(id);
        mask[r * width + t] = 1n;
        types[r * width + t] = BigInt(row.tokenTypeIds[t] ?? 0);
      }),
    );
    const dims = [rows.length, width];
    const feeds: Record<string, ortWeb.Tensor> = {
      input_ids: new ortWeb.Tensor('int64', ids, dims),
      attention_mask: new ortWeb.Tensor('int64', mask, dims),
    };
    if (takesTokenTypes) feeds['token_type_ids'] = new ortWeb.Tensor('int64', types, dims);
    return session.run(feeds);
  };
  return {
    label: `onnxruntime-web WASM (${threads} threads, q8, in Node)`,
    runRows,
    close: () => session.release(),
  };
}

// ---- the grid -----------------------------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const signed = (percent: number) => `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;

/** A cost model that keeps what it observed, to start a second model from the same calibration. */
class RecordingCostModel extends CostModel {
  readonly seen: Array<[RunShape, number]> = [];
  override observe(shape: RunShape, ms: number): void {
    this.seen.push([shape, ms]);
    super.observe(shape, ms);
  }
}

interface Cell {
  backend: string;
  candidates: number;
  tokens: number;
  meanPairTokens: number;
  runs: RunShape[];
  predictedMs: number;
  measuredMs: number;
  errorPercent: number;
  refinedMs: number;
  refinedErrorPercent: number;
  measuredRunsMs: number[];
  loadAverage: number[];
}
const cells: Cell[] = [];
const calibrations: Array<{
  backend: string;
  coefficients: CostModel['coefficients'];
  calibrationMs: number;
  loadAverage: number[];
}> = [];
const texts = new Map(tokenTargets.map((t) => [t, passagesOf(Math.max(...candidateCounts), t)]));

for (const which of backends) {
  const backend = which === 'native' ? await nativeBackend() : await wasmBackend();
  // Steady state, as in a long-lived worker: the largest batch once, so the session's buffers exist.
  await backend.runRows(new Array<EncodedRow>(batchTokens / MAX_LENGTH).fill(calibrationRow(MAX_LENGTH)));
  const calibrated = new RecordingCostModel();
  const started = performance.now();
  await calibrate(calibrated, calibrationShapes(MAX_LENGTH), (shape) =>
    backend.runRows(new Array<EncodedRow>(shape.rows).fill(calibrationRow(shape.width))),
  );
  calibrations.push({
    backend: backend.label,
    coefficients: calibrated.coefficients,
    calibrationMs: performance.now() - started,
    loadAverage: load(),
  });
  console.error(
    `${backend.label}: calibrated in ${(performance.now() - started).toFixed(0)} ms: ${JSON.stringify(calibrated.coefficients)}`,
  );
  // The same calibration, then refined from every run of the cells before (never from the cell's own).
  const refined = new CostModel();
  for (const [shape, ms] of calibrated.seen) refined.observe(shape, ms);
  for (let pass = 0; pass < warmPasses; pass++) {
    for (const tokens of tokenTargets) {
      for (const candidates of candidateCounts) {
        for (const run of (await rank(backend, texts.get(tokens)!.slice(0, candidates))).runs)
          refined.observe(run.shape, run.ms);
      }
    }
    console.error(`  warm pass ${pass + 1} of ${warmPasses} observed (${refined.observations} runs in all)`);
  }
  for (const tokens of tokenTargets) {
    for (const candidates of candidateCounts) {
      const passages = texts.get(tokens)!.slice(0, candidates);
      const lengths = rowsOf(passages).map((r) => r.inputIds.length);
      const runs = runShapes(lengths, batchTokens);
      const predictedMs = calibrated.predict(runs);
      const refinedMs = refined.predict(runs);
      const measured: Array<Awaited<ReturnType<typeof rank>>> = [];
      for (let r = 0; r < repeats; r++) measured.push(await rank(backend, passages));
      for (const { runs: timed } of measured) for (const run of timed) refined.observe(run.shape, run.ms);
      const measuredRunsMs = measured.map((m) => m.ms);
      const measuredMs = median(measuredRunsMs);
      const error = (ms: number) => (100 * (ms - measuredMs)) / measuredMs;
      const cell: Cell = {
        backend: backend.label,
        candidates,
        tokens,
        meanPairTokens: lengths.reduce((a, b) => a + b, 0) / lengths.length,
        runs,
        predictedMs,
        measuredMs,
        errorPercent: error(predictedMs),
        refinedMs,
        refinedErrorPercent: error(refinedMs),
        measuredRunsMs,
        loadAverage: load(),
      };
      cells.push(cell);
      console.error(
        `  ${String(candidates).padStart(3)} x ~${tokens} tokens: predicted ${predictedMs.toFixed(0).padStart(6)} ms (${signed(cell.errorPercent)}), refined ${refinedMs.toFixed(0).padStart(6)} ms (${signed(cell.refinedErrorPercent)}), measured ${measuredMs.toFixed(0).padStart(6)} ms  (load ${cell.loadAverage[0]})`,
      );
    }
  }
  await backend.close();
}

const within = cells.filter((c) => Math.abs(c.errorPercent) <= 25).length;
const withinRefined = cells.filter((c) => Math.abs(c.refinedErrorPercent) <= 25).length;
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  node: process.version,
  loadAverageAtEnd: load(),
};
console.log(`\nLatency budget: predicted (cost model from warm-up calibration only) vs measured rank time`);
console.log(
  `${values.preset} shape, q8, batchTokens ${batchTokens}, median of ${repeats}, refined after ${warmPasses} warm pass(es) and the cells before, ${haveAutorag ? 'AutoRAG Korean passages' : 'sample corpus passages'} (${machine.cpus} cores, ${machine.cpuModel}, load ${machine.loadAverageAtEnd.join(' ')})\n`,
);
console.log(
  '| backend | candidates | tokens (mean pair) | runs | measured (ms) | predicted, calibration only (ms) | error | predicted, refined (ms) | error | load (1 min) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of cells) {
  console.log(
    `| ${c.backend} | ${c.candidates} | ${c.tokens} (${c.meanPairTokens.toFixed(0)}) | ${c.runs.length} | ${c.measuredMs.toFixed(0)} | ${c.predictedMs.toFixed(0)} | ${signed(c.errorPercent)} | ${c.refinedMs.toFixed(0)} | ${signed(c.refinedErrorPercent)} | ${c.loadAverage[0]} |`,
  );
}
console.log(
  `\nwithin +-25%: ${within} of ${cells.length} cells from calibration only, ${withinRefined} of ${cells.length} refined from earlier runs`,
);
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(
  values.out,
  `${JSON.stringify({ preset: values.preset, dtype: 'q8', batchTokens, repeats, threads, warmPasses, machine, calibrations, withinTwentyFivePercent: { calibrationOnly: within, refined: withinRefined }, cells }, null, 2)}\n`,
);
console.log(`wrote ${values.out}`);
