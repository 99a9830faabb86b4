/**
 * The right model for the device: probe once, predict every catalog shape, then measure them.
 *
 *   npm run bench:device-model [-- --backends native,wasm --threads 2 --repeats 3 --clock wall]
 *
 * Per backend (onnxruntime-node on the CPU, onnxruntime-web's WASM in Node), the device probe
 * (src/catalog/device-probe.ts) times one generated layer of each catalog geometry; shape-cost.ts scales
 * those timings to each catalog shape. Then each shape is generated (8-bit, random weights, a reduced
 * vocabulary: the embedding lookup's cost does not depend on the table's size) and a rank of the same
 * workload is timed: bare sessions fed the engine's batches (8192 tokens), the median of `repeats`.
 * The large shapes rank fewer candidates to keep the run short on 2 cores.
 *
 * `--clock cpu` times with the process's CPU time (all its threads) instead of the wall clock: on a
 * machine shared with other busy processes, wall times swing by several times between runs, while
 * the CPU time a run needs stays put, so the prediction's accuracy can still be checked (use
 * `--threads 1`, so that no thread spins waiting for another).
 *
 * Prints a table and writes bench/results/device-model.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { CATALOG } from '../src/catalog/rerankers.js';
import { runShapes } from '../src/engine/budget-plan.js';
import { type OpenProbeSession, type ProbeFeeds, probeDevice, probeFeeds } from '../src/catalog/device-probe.js';
import { type RankWorkload, coefficientsFor, predictRankMs } from '../src/engine/shape-cost.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    backends: { type: 'string', default: 'native,wasm' },
    threads: { type: 'string', default: String(Math.min(2, os.cpus().length)) },
    repeats: { type: 'string', default: '3' },
    clock: { type: 'string', default: 'wall' },
    out: { type: 'string', default: 'bench/results/device-model.json' },
  },
});
const backends = values.backends.split(',') as Array<'native' | 'wasm'>;
const threads = Number(values.threads);
const repeats = Number(values.repeats);
if (values.clock !== 'wall' && values.clock !== 'cpu')
  throw new Error(`--clock must be wall or cpu, got ${values.clock}`);
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const now = values.clock === 'cpu' ? cpuMs : () => performance.now();

/** One generated model per distinct compute shape (bge-reranker-large, ko-reranker and v2-m3 share one at 512 tokens). */
const shapes = CATALOG.filter(
  (entry, i) =>
    CATALOG.findIndex((other) => other.preset === entry.preset) === i && entry.preset !== 'bge-reranker-v2-m3',
);
const workloadOf = (layers: number, hidden: number): RankWorkload =>
  layers * hidden >= 24 * 1024 ? { candidates: 8, tokens: 256 } : { candidates: 20, tokens: 256 };

interface Session {
  run(feeds: ProbeFeeds): Promise<unknown>;
  release(): Promise<void>;
}

async function openSession(backend: 'native' | 'wasm', model: Uint8Array | string): Promise<Session> {
  if (backend === 'native') {
    const options = { intraOpNumThreads: threads };
    const session =
      typeof model === 'string'
        ? await ortNode.InferenceSession.create(model, options)
        : await ortNode.InferenceSession.create(model, options);
    const types = session.inputNames.includes('token_type_ids');
    return {
      run: (f) =>
        session.run({
          input_ids: new ortNode.Tensor('int64', f.inputIds, f.dims),
          attention_mask: new ortNode.Tensor('int64', f.attentionMask, f.dims),
          ...(types
            ? { token_type_ids: new ortNode.Tensor('int64', new BigInt64Array(f.inputIds.length), f.dims) }
            : {}),
        }),
      release: () => session.release(),
    };
  }
  ortWeb.env.wasm.numThreads = threads;
  const session =
    typeof model === 'string'
      ? await ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] })
      : await ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const types = session.inputNames.includes('token_type_ids');
  return {
    run: (f) =>
      session.run({
        input_ids: new ortWeb.Tensor('int64', f.inputIds, f.dims),
        attention_mask: new ortWeb.Tensor('int64', f.attentionMask, f.dims),
        ...(types ? { token_type_ids: new ortWeb.Tensor('int64', new BigInt64Array(f.inputIds.length), f.dims) } : {}),
      }),
    release: () => session.release(),
  };
}

async function modelFile(preset: string): Promise<string> {
  if (!isPresetName(preset)) throw new Error(`unknown preset ${preset}`);
  const folder = path.resolve(`models/bench-shape-${preset}`);
  const file = path.join(folder, 'onnx/model_quantized.onnx');
  if (!existsSync(file)) {
    const started = performance.now();
    await writeCrossEncoder({ preset: PRESETS[preset], outDir: folder, seed: 1, dtypes: ['q8'] });
    console.error(`built ${preset} (q8) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return file;
}

/**
 * The engine's batches for the workload, timed: the fastest of `repeats` ranks after one untimed. On a
 * shared machine other processes only ever add time, so the minimum (as in the probe) is this
 * machine's own speed; the median is recorded too.
 */
async function measureRank(session: Session, workload: RankWorkload): Promise<{ fastest: number; median: number }> {
  const runs = runShapes(new Array<number>(workload.candidates).fill(workload.tokens), workload.batchTokens ?? 8192);
  const rank = async () => {
    const started = now();
    for (const run of runs) await session.run(probeFeeds(run));
    return now() - started;
  };
  await rank();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await rank());
  times.sort((a, b) => a - b);
  return { fastest: times[0]!, median: times[Math.floor(times.length / 2)]! };
}

interface Row {
  backend: string;
  model: string;
  preset: string;
  candidates: number;
  tokens: number;
  predictedMs: number;
  measuredMs: number;
  medianMs: number;
  errorPercent: number;
  loadAverage: number[];
}
const rows: Row[] = [];
/** The probe's wall time (what a user waits, on this machine's load) and CPU time (what it needs). */
const probes: Array<{ backend: string; probeMs: number; probeCpuMs: number; timings: unknown }> = [];
const files = new Map<string, string>();
for (const entry of shapes) files.set(entry.preset, await modelFile(entry.preset));

for (const backend of backends) {
  const label = `${backend === 'native' ? 'onnxruntime-node CPU' : 'onnxruntime-web WASM'}, ${threads} thread${threads > 1 ? 's' : ''}`;
  const open: OpenProbeSession = (onnx) => openSession(backend, onnx);
  const probeStarted = performance.now();
  const probeCpuStarted = cpuMs();
  const timings = await probeDevice(
    shapes.map((e) => e.shape),
    { precision: 'q8', open, now },
  );
  const probeMs = performance.now() - probeStarted;
  const probeCpuMs = cpuMs() - probeCpuStarted;
  probes.push({ backend: label, probeMs, probeCpuMs, timings });
  console.error(`${label}: probe ${probeMs.toFixed(0)} ms ${JSON.stringify(timings.map((t) => t.coefficients))}`);
  for (const entry of shapes) {
    const workload = workloadOf(entry.shape.numLayers, entry.shape.hiddenSize);
    const predictedMs = predictRankMs(coefficientsFor(timings, entry.shape), workload);
    const session = await openSession(backend, files.get(entry.preset)!);
    const measured = await measureRank(session, workload);
    const measuredMs = measured.fastest;
    await session.release();
    const row: Row = {
      backend: label,
      model: entry.label,
      preset: entry.preset,
      ...{ candidates: workload.candidates, tokens: workload.tokens },
      predictedMs,
      measuredMs,
      medianMs: measured.median,
      loadAverage: os.loadavg(),
      errorPercent: ((predictedMs - measuredMs) / measuredMs) * 100,
    };
    rows.push(row);
    console.error(
      `  ${entry.preset}: ${workload.candidates} x ${workload.tokens}: predicted ${predictedMs.toFixed(0)} ms, measured ${measuredMs.toFixed(0)} ms (${row.errorPercent.toFixed(1)}%)`,
    );
  }
}

console.log(
  `clock: ${values.clock}; probe: ${probes.map((p) => `${p.backend} ${(p.probeMs / 1000).toFixed(1)} s wall, ${(p.probeCpuMs / 1000).toFixed(1)} s CPU`).join('; ')}`,
);
console.log('| backend | shape (preset) | candidates x tokens | predicted | measured | error |');
console.log('|---|---|---|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.backend} | ${r.model} (${r.preset}) | ${r.candidates} x ${r.tokens} | ${r.predictedMs.toFixed(0)} ms | ${r.measuredMs.toFixed(0)} ms | ${r.errorPercent >= 0 ? '+' : ''}${r.errorPercent.toFixed(1)}% |`,
  );
}
await mkdir(path.dirname(values.out), { recursive: true });
const cpu = os.cpus()[0]?.model ?? 'unknown';
await writeFile(
  values.out,
  `${JSON.stringify({ cpu, cores: os.cpus().length, clock: values.clock, threads, loadAverage: os.loadavg(), probes, rows }, null, 2)}\n`,
);
console.error(`wrote ${values.out}`);
