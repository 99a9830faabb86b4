/**
 * Are 4-bit files worth offering? Builds a q4 variant (MatMulNBits, 4-bit blocks of 32 with one float
 * scale each, symmetric; the word embedding int8 per row as in q8) of a generated model and compares
 * it with q8 and fp32 in one process: file size, speed on onnxruntime-node and onnxruntime-web WASM,
 * and fidelity (Kendall tau and normalised error against fp32 over fixed Korean/English pairs).
 *
 *   npx tsx bench/q4-eval.ts [--preset bge-reranker-base] [--repeats 3] [--rows 20] [--tokens 286]
 *
 * Measurement code, not a product path: the q4 writer lives here until the numbers justify shipping it.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { PairEncoder } from '../src/engine/pair-encoder.js';
import { weightSourceFromMap } from '../src/model-builder/config.js';
import { buildCrossEncoderGraph } from '../src/model-builder/cross-encoder-graph.js';
import { nodeFileOpener } from '../src/model-builder/node-file-sink.js';
import type { LazyModel, LazyTensor, NodeProto } from '../src/model-builder/onnx-graph.js';
import { writeOnnxModel } from '../src/model-builder/onnx-writer.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { quantizeModel, shared } from '../src/model-builder/quantize.js';
import { randomWeights } from '../src/model-builder/random-weights.js';
import { shapeFor, writeCrossEncoder } from '../src/model-builder/write-model.js';
import { kendallTau, normalisedError } from '../src/reference/compare.js';
import { padRows } from '../src/reference/pad-rows.js';
import { ENGLISH_PASSAGES, ENGLISH_QUERY, KOREAN_PASSAGES, KOREAN_QUERY } from '../test/helpers/text.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    preset: { type: 'string', default: 'bge-reranker-base' },
    repeats: { type: 'string', default: '3' },
    rows: { type: 'string', default: '20' },
    tokens: { type: 'string', default: '286' },
    threads: { type: 'string', default: String(Math.min(2, os.cpus().length)) },
    out: { type: 'string', default: 'bench/results/q4-eval.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const preset = PRESETS[values.preset];
const BLOCK = 32;
const SEED = 1;

/** MatMul with a constant [K, N] weight -> MatMulNBits (B packed [N, K/32, 16] uint8, scales [N * K/32], zero point 8). */
function quantize4Bit({ model, initializers }: LazyModel): LazyModel {
  const byName = new Map(initializers.map((t) => [t.name, t]));
  const replaced = new Set<string>();
  const extra: LazyTensor[] = [];
  const nodes: NodeProto[] = [];
  for (const node of model.graph!.node!) {
    const weight = node.opType === 'MatMul' ? byName.get(node.input![1]!) : undefined;
    if (!weight || weight.type !== 'float32' || weight.dims.length !== 2 || weight.dims[0]! % BLOCK !== 0) {
      nodes.push(node);
      continue;
    }
    const [K, N] = weight.dims as [number, number];
    const blocks = K / BLOCK;
    const compute = shared(async () => {
      const w = (await weight.data()) as Float32Array;
      const packed = new Uint8Array(N * blocks * (BLOCK / 2));
      const scales = new Float32Array(N * blocks);
      for (let n = 0; n < N; n++) {
        for (let b = 0; b < blocks; b++) {
          let maxAbs = 0;
          for (let k = b * BLOCK; k < (b + 1) * BLOCK; k++) maxAbs = Math.max(maxAbs, Math.abs(w[k * N + n]!));
          const scale = Math.fround(maxAbs > 0 ? maxAbs / 7 : 1);
          scales[n * blocks + b] = scale;
          for (let j = 0; j < BLOCK; j += 2) {
            const q = (k: number) => Math.max(0, Math.min(15, Math.round(w[k * N + n]! / scale) + 8));
            const k = b * BLOCK + j;
            packed[(n * blocks + b) * (BLOCK / 2) + j / 2] = q(k) | (q(k + 1) << 4);
          }
        }
      }
      return { packed, scales };
    }, 2);
    extra.push(
      {
        name: `${weight.name}_q4`,
        type: 'uint8',
        dims: [N, blocks, BLOCK / 2],
        data: async () => (await compute()).packed,
      },
      {
        name: `${weight.name}_q4_scales`,
        type: 'float32',
        dims: [N * blocks],
        data: async () => (await compute()).scales,
      },
    );
    replaced.add(weight.name);
    nodes.push({
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      name: `${node.name}_MatMulNBits`,
      input: [node.input![0]!, `${weight.name}_q4`, `${weight.name}_q4_scales`],
      output: node.output!,
      attribute: [
        { name: 'K', type: 2, i: K },
        { name: 'N', type: 2, i: N },
        { name: 'bits', type: 2, i: 4 },
        { name: 'block_size', type: 2, i: BLOCK },
        // 4: int8 activations on CPU (what onnxruntime's q4 exports set for speed).
        { name: 'accuracy_level', type: 2, i: 4 },
      ],
    });
  }
  return {
    model: {
      ...model,
      opsetImport: [...(model.opsetImport ?? []), { domain: 'com.microsoft', version: 1 }],
      graph: { ...model.graph, node: nodes },
    },
    initializers: [...initializers.filter((t) => !replaced.has(t.name)), ...extra],
  };
}

const folder = path.resolve(`models/bench-q4-${values.preset}`);
const files = {
  fp32: path.join(folder, 'onnx/model.onnx'),
  q8: path.join(folder, 'onnx/model_quantized.onnx'),
  q4: path.join(folder, 'onnx/model_q4.onnx'),
};
const { shape } = shapeFor(preset);
if (!existsSync(files.q4)) {
  console.error(`building ${values.preset} fp32 + q8 + q4 (random weights) into ${folder} ...`);
  await writeCrossEncoder({ preset, outDir: folder, seed: SEED, dtypes: ['fp32', 'q8'] });
  const weights = weightSourceFromMap(randomWeights(shape, SEED));
  const q4 = quantizeModel(quantize4Bit(buildCrossEncoderGraph(shape, weights, 'float32')));
  await writeOnnxModel(q4, 'model_q4.onnx', nodeFileOpener(path.join(folder, 'onnx')));
}

// Fidelity: fixed Korean and English pairs against fp32.
const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
const queries = [KOREAN_QUERY, '병원 진단과 치료', ENGLISH_QUERY];
const passages = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];
const fidelityBatch = padRows(
  queries.flatMap((q) => passages.map((p) => encoder.encode(encoder.tokenize(q), encoder.tokenize(p), 512, null)[0]!)),
  encoder.padTokenId,
);

type Session = {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
};
type TensorCtor = new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
const toFeeds = (
  Tensor: TensorCtor,
  batch: { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds?: number[][] },
) => {
  const tensor = (rows: number[][]) =>
    new Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
  const feeds: Record<string, unknown> = {
    input_ids: tensor(batch.inputIds),
    attention_mask: tensor(batch.attentionMask),
  };
  // BERT takes token types; zeros where the batch has none (the speed batch).
  if (shape.architecture === 'bert')
    feeds['token_type_ids'] = tensor(batch.tokenTypeIds ?? batch.inputIds.map((row) => row.map(() => 0)));
  return feeds;
};
const rows = Number(values.rows);
const length = Number(values.tokens);
const speedBatch = {
  inputIds: Array.from({ length: rows }, (_, r) =>
    Array.from({ length }, (_, t) =>
      t === 0 ? 0 : t === length - 1 ? 2 : 5 + ((r * 7919 + t * 104729) % (shape.vocabSize - 5)),
    ),
  ),
  attentionMask: Array.from({ length: rows }, () => Array<number>(length).fill(1)),
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Result {
  runtime: string;
  dtype: string;
  medianMs: number;
  runsMs: number[];
  tau: number;
  error: number;
}
const results: Result[] = [];
async function measure(runtime: string, Tensor: TensorCtor, create: (file: string) => Promise<Session>): Promise<void> {
  const sessions = Object.fromEntries(
    await Promise.all(Object.entries(files).map(async ([d, f]) => [d, await create(f)] as const)),
  ) as Record<keyof typeof files, Session>;
  const fidelity: Record<string, number[]> = {};
  for (const dtype of Object.keys(files) as Array<keyof typeof files>) {
    fidelity[dtype] = Array.from(
      (await sessions[dtype].run(toFeeds(Tensor, fidelityBatch)))['logits']!.data as Float32Array,
    );
  }
  const runs: Record<string, number[]> = { fp32: [], q8: [], q4: [] };
  const speedFeeds = toFeeds(Tensor, speedBatch);
  for (const dtype of Object.keys(files) as Array<keyof typeof files>) await sessions[dtype].run(speedFeeds); // warm-up
  for (let r = 0; r < Number(values.repeats); r++) {
    for (const dtype of Object.keys(files) as Array<keyof typeof files>) {
      const started = performance.now();
      await sessions[dtype].run(speedFeeds);
      runs[dtype]!.push(performance.now() - started);
    }
  }
  for (const dtype of Object.keys(files)) {
    const row = {
      runtime,
      dtype,
      medianMs: median(runs[dtype]!),
      runsMs: runs[dtype]!,
      tau: kendallTau(fidelity['fp32']!, fidelity[dtype]!),
      error: normalisedError(fidelity['fp32']!, fidelity[dtype]!),
    };
    results.push(row);
    console.error(
      `  ${runtime.padEnd(34)} ${dtype.padEnd(5)} ${row.medianMs.toFixed(0).padStart(7)} ms   tau ${row.tau.toFixed(3)}  error ${row.error.toFixed(3)}`,
    );
  }
  await Promise.all(Object.values(sessions).map((s) => s.release()));
}

await measure(
  'onnxruntime-node (CPU)',
  ortNode.Tensor as unknown as TensorCtor,
  (f) => ortNode.InferenceSession.create(f) as Promise<Session>,
);
ortWeb.env.wasm.numThreads = Number(values.threads);
await measure(
  `onnxruntime-web WASM (${values.threads} threads)`,
  ortWeb.Tensor as unknown as TensorCtor,
  (f) => ortWeb.InferenceSession.create(f, { executionProviders: ['wasm'] }) as Promise<Session>,
);

const sizes = Object.fromEntries(
  await Promise.all(Object.entries(files).map(async ([d, f]) => [d, (await stat(f)).size] as const)),
);
console.log(
  `\n4-bit evaluation: ${values.preset} shape (random weights), ${rows} x ${length} tokens, median of ${values.repeats}; fidelity over ${fidelityBatch.inputIds.length} fixed pairs vs fp32\n`,
);
console.log('| runtime | dtype | file (MB) | latency (ms) | Kendall tau vs fp32 | normalised error |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of results)
  console.log(
    `| ${r.runtime} | ${r.dtype} | ${(sizes[r.dtype]! / 1e6).toFixed(0)} | ${r.medianMs.toFixed(0)} | ${r.tau.toFixed(3)} | ${r.error.toFixed(3)} |`,
  );
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify({ preset: values.preset, rows, length, sizes, results }, null, 2)}\n`);
console.log(`\nwrote ${values.out}`);
