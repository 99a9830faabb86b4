/**
 * 8-bit fidelity against depth, and batch dependence, for both activation layouts: one scale per
 * tensor (our q8 default, as published q8 exports) and per-row scales (`activations: 'per-row'`). For each depth it generates a
 * model of the given preset's width with that many layers (seeded random weights), writes fp32 and
 * both q8 files, and scores with onnxruntime-node:
 *
 *   - the converter's 16 --verify pairs, scored as --verify does (one padded batch), plus the
 *     fidelity test's pairs: Kendall tau and normalised error against the fp32 file (which the
 *     fidelity tests hold within 1e-6 of the float64 reference);
 *   - 8 mixed-length rows, each alone and padded together in one batch: the largest logit change.
 *
 *   npx tsx bench/q8-depth.ts [--preset ko-reranker] [--depths 2,6,12,24] [--seed 1] [--dir models/q8-depth]
 *
 * Prints a table and writes bench/results/q8-depth.json. Files are kept in --dir (a 24 x 1024 fp32
 * file is 1.2 GB): put it outside the repository for large presets.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { VERIFY_PASSAGES, VERIFY_QUERIES } from '../src/converter/verify.js';
import { type EncodedRow, PairEncoder } from '../src/engine/pair-encoder.js';
import { weightSourceFromMap } from '../src/model-builder/config.js';
import { buildCrossEncoderGraph } from '../src/model-builder/cross-encoder-graph.js';
import { nodeFileOpener } from '../src/model-builder/node-file-sink.js';
import { writeOnnxModel } from '../src/model-builder/onnx-writer.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { type QuantizeOptions, quantizeModel } from '../src/model-builder/quantize.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { kendallTau, normalisedError } from '../src/reference/compare.js';
import type { ReferenceBatch } from '../src/reference/forward.js';
import { padRows } from '../src/reference/pad-rows.js';
import { ENGLISH_PASSAGES, ENGLISH_QUERY, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../test/helpers/text.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    preset: { type: 'string', default: 'ko-reranker' },
    depths: { type: 'string', default: '2,6,12,24' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: 'models/q8-depth' },
    keep: { type: 'boolean', default: false },
    layouts: { type: 'string', default: 'per-row,per-tensor' },
    out: { type: 'string', default: 'bench/results/q8-depth.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const depths = values.depths.split(',').map(Number);
const seed = Number(values.seed);
type Layout = NonNullable<QuantizeOptions['activations']>;
const layouts = values.layouts.split(',') as Layout[];

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
async function logits(session: ort.InferenceSession, batch: ReferenceBatch): Promise<number[]> {
  const { logits } = await session.run({
    input_ids: int64(batch.inputIds),
    attention_mask: int64(batch.attentionMask),
  });
  return Array.from(logits!.data as Float32Array);
}

interface DepthResult {
  layers: number;
  verify: Record<string, { tau: number; error: number }>;
  allPairs: Record<string, { tau: number; error: number }>;
  /** Largest |logit alone - logit in the padded batch of 8| per file. */
  batchDependence: Record<string, number>;
  bytes: Record<string, number>;
}
const results: DepthResult[] = [];

for (const layers of depths) {
  const preset = { ...PRESETS[values.preset], numLayers: layers };
  const folder = path.resolve(values.dir, `${values.preset}-${layers}`);
  const started = performance.now();
  // fp32 and the default q8 through the builder; other layouts from the same weights.
  const { shape, weights } = await writeCrossEncoder({ preset, outDir: folder, seed, dtypes: ['fp32', 'q8'] });
  const files: Record<string, string> = { fp32: path.join(folder, 'onnx/model.onnx') };
  for (const layout of layouts) {
    if (layout === 'per-tensor') {
      files[layout] = path.join(folder, 'onnx/model_quantized.onnx');
      continue;
    }
    const model = quantizeModel(buildCrossEncoderGraph(shape, weightSourceFromMap(weights), 'float32'), {
      activations: layout,
    });
    await writeOnnxModel(model, `model_quantized_${layout}.onnx`, nodeFileOpener(path.join(folder, 'onnx')));
    files[layout] = path.join(folder, `onnx/model_quantized_${layout}.onnx`);
  }
  weights.clear();
  console.error(
    `${layers} layers x ${shape.hiddenSize}: built in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );

  const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
  const encode = (q: string, p: string, maxLength = 512): EncodedRow =>
    encoder.encode(encoder.tokenize(q), encoder.tokenize(p), maxLength, null)[0]!;
  const verifyRows = VERIFY_QUERIES.flatMap((q) => VERIFY_PASSAGES.map((p) => encode(q, p)));
  const seen = new Set(VERIFY_QUERIES.flatMap((q) => VERIFY_PASSAGES.map((p) => `${q}\n${p}`)));
  const moreRows = [KOREAN_QUERY, '병원 진단과 치료', ENGLISH_QUERY]
    .flatMap((q) => [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES].map((p) => [q, p] as const))
    .filter(([q, p]) => !seen.has(`${q}\n${p}`))
    .map(([q, p]) => encode(q, p));
  // Mixed lengths: short pairs, and the long passage cut at 48, 96 and 128 tokens.
  const mixedRows = [
    ...verifyRows.slice(0, 3),
    verifyRows[13]!,
    verifyRows[9]!,
    encode(KOREAN_QUERY, longPassage(), 48),
    encode(KOREAN_QUERY, longPassage(), 96),
    encode(ENGLISH_QUERY, longPassage(), 128),
  ];

  const score: Record<string, { verify: number[]; more: number[]; alone: number[]; batched: number[] }> = {};
  for (const [name, file] of Object.entries(files)) {
    const session = await ort.InferenceSession.create(file);
    const alone: number[] = [];
    for (const row of mixedRows) alone.push((await logits(session, padRows([row], encoder.padTokenId)))[0]!);
    score[name] = {
      verify: await logits(session, padRows(verifyRows, encoder.padTokenId)), // as --verify scores it
      more: await logits(session, padRows(moreRows, encoder.padTokenId)),
      alone,
      batched: await logits(session, padRows(mixedRows, encoder.padTokenId)),
    };
    await session.release();
  }
  const fp32 = score['fp32']!;
  const measure = (layout: Layout, all: boolean) => {
    const [a, b] = all
      ? [
          [...fp32.verify, ...fp32.more],
          [...score[layout]!.verify, ...score[layout]!.more],
        ]
      : [fp32.verify, score[layout]!.verify];
    return { tau: kendallTau(a, b), error: normalisedError(a, b) };
  };
  const dependence = (name: string) =>
    Math.max(...score[name]!.alone.map((x, i) => Math.abs(x - score[name]!.batched[i]!)));
  const bytes = Object.fromEntries(
    await Promise.all(Object.entries(files).map(async ([k, f]) => [k, (await stat(f)).size])),
  ) as DepthResult['bytes'];
  const result: DepthResult = {
    layers,
    verify: Object.fromEntries(layouts.map((l) => [l, measure(l, false)])),
    allPairs: Object.fromEntries(layouts.map((l) => [l, measure(l, true)])),
    batchDependence: Object.fromEntries(Object.keys(files).map((name) => [name, dependence(name)])),
    bytes,
  };
  results.push(result);
  console.error(JSON.stringify(result));
  if (!values.keep) await rm(folder, { recursive: true });
}

const f3 = (x: number) => x.toFixed(3);
console.log(
  `\nq8 vs fp32 by depth, ${values.preset} width, seed ${seed}: tau and normalised error on the 16 verify pairs (all pairs in brackets);`,
);
console.log('batch dependence: max |logit alone - logit in a padded batch of 8|\n');
console.log(
  `| layers | ${layouts.map((l) => `${l} tau | ${l} error`).join(' | ')} | batch dependence ${['fp32', ...layouts].join(' / ')} | q8 MB ${layouts.join(' / ')} |`,
);
console.log(`|---:|${layouts.map(() => '---:|---:|').join('')}---|---|`);
for (const r of results) {
  const cell = (l: Layout, k: 'tau' | 'error') => `${f3(r.verify[l]![k])} (${f3(r.allPairs[l]![k])})`;
  const dep = ['fp32', ...layouts].map((l) => r.batchDependence[l]!.toExponential(1)).join(' / ');
  console.log(
    `| ${r.layers} | ${layouts.map((l) => `${cell(l, 'tau')} | ${cell(l, 'error')}`).join(' | ')} | ${dep} | ${layouts.map((l) => (r.bytes[l]! / 1e6).toFixed(1)).join(' / ')} |`,
  );
}
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify({ preset: values.preset, seed, results }, null, 2)}\n`);
console.log(`\nwrote ${values.out}`);
