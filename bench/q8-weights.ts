/**
 * 8-bit layouts, side by side in one process, on onnxruntime-node and on onnxruntime-web's WASM
 * backend: our q8 file (activations one scale per tensor, int8 symmetric weights, as published q8
 * exports), the same weights with per-row activation scales (`activations: 'per-row'`), and our file
 * rewritten with uint8 weights (w + 128, zero point 128: the same integer arithmetic, so its logits
 * must be bit-identical to ours).
 * Runs alternate between the files so that machine noise hits them alike.
 *
 *   npx tsx bench/q8-weights.ts [--preset bge-reranker-base] [--repeats 3] [--shapes 20x286,16x512]
 *                               [--variants per-tensor,per-row,uint8]
 *
 * Prints a table and writes bench/results/q8-weights.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { weightSourceFromMap } from '../src/model-builder/config.js';
import { buildCrossEncoderGraph } from '../src/model-builder/cross-encoder-graph.js';
import { nodeFileOpener } from '../src/model-builder/node-file-sink.js';
import { decodeModel, encodeModel, onnx } from '../src/model-builder/onnx-graph.js';
import { writeOnnxModel } from '../src/model-builder/onnx-writer.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { quantizeModel } from '../src/model-builder/quantize.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    preset: { type: 'string', default: 'bge-reranker-base' },
    repeats: { type: 'string', default: '3' },
    shapes: { type: 'string', default: '20x286,16x512' },
    threads: { type: 'string', default: String(Math.min(2, os.cpus().length)) },
    variants: { type: 'string', default: 'per-tensor,per-row,uint8' },
    out: { type: 'string', default: 'bench/results/q8-weights.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const repeats = Number(values.repeats);
const threads = Number(values.threads);
const shapes = values.shapes.split(',').map((s) => s.split('x').map(Number) as [number, number]);

const VARIANTS = ['per-tensor', 'per-row', 'uint8'] as const;
type Variant = (typeof VARIANTS)[number];
const variants = values.variants.split(',') as Variant[];
if (variants.some((v) => !VARIANTS.includes(v))) throw new Error(`--variants: some of ${VARIANTS.join(', ')}`);

const folder = path.resolve(`models/bench-q8-${values.preset}`);
const files: Record<Variant, string> = {
  'per-tensor': path.join(folder, 'onnx/model_quantized.onnx'),
  'per-row': path.join(folder, 'onnx/model_quantized_per_row.onnx'),
  uint8: path.join(folder, 'onnx/model_quantized_uint8.onnx'),
};
if (!existsSync(files['per-tensor']) || !existsSync(files['per-row'])) {
  console.error(`building ${values.preset} (q8, random weights) into ${folder} ...`);
  const { shape, weights } = await writeCrossEncoder({
    preset: PRESETS[values.preset],
    outDir: folder,
    seed: 1,
    dtypes: ['q8'],
  });
  const perRow = quantizeModel(buildCrossEncoderGraph(shape, weightSourceFromMap(weights), 'float32'), {
    activations: 'per-row',
  });
  await writeOnnxModel(perRow, path.basename(files['per-row']), nodeFileOpener(path.dirname(files['per-row'])));
}

/** The same model with uint8 MatMulInteger weights: q + 128 and an explicit zero point of 128 per column. */
async function writeUint8Variant(): Promise<void> {
  const model = decodeModel(await readFile(files['per-tensor']));
  const graph = model.graph!;
  const tensors = new Map(graph.initializer!.map((t) => [t.name!, t]));
  for (const node of graph.node!) {
    if (node.opType !== 'MatMulInteger') continue;
    const weight = tensors.get(node.input![1]!)!;
    const raw = weight.rawData!;
    const shifted = new Uint8Array(raw.byteLength);
    for (let i = 0; i < raw.byteLength; i++) shifted[i] = (raw[i]! ^ 0x80) & 0xff; // int8 q -> uint8 q + 128
    weight.dataType = onnx.TensorProto.DataType.UINT8;
    weight.rawData = shifted;
    const zeroPoint = `${weight.name}_zero_point_uint8`;
    if (!tensors.has(zeroPoint)) {
      const columns = Number(weight.dims![1]);
      const tensor = {
        name: zeroPoint,
        dataType: onnx.TensorProto.DataType.UINT8,
        dims: [columns],
        rawData: new Uint8Array(columns).fill(128),
      };
      graph.initializer!.push(tensor);
      tensors.set(zeroPoint, tensor);
    }
    node.input = [node.input![0]!, node.input![1]!, node.input![2]!, zeroPoint];
  }
  await writeFile(files.uint8, encodeModel(model));
}
if (variants.includes('uint8')) await writeUint8Variant();

type AnySession = {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
};
type TensorCtor = new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;

function feeds(Tensor: TensorCtor, rows: number, length: number): Record<string, unknown> {
  const ids = new BigInt64Array(rows * length);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < length; t++)
      ids[r * length + t] = t === 0 ? 0n : t === length - 1 ? 2n : BigInt(5 + ((r * 7919 + t * 104729) % 20000));
  }
  return {
    input_ids: new Tensor('int64', ids, [rows, length]),
    attention_mask: new Tensor('int64', new BigInt64Array(rows * length).fill(1n), [rows, length]),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Row {
  runtime: string;
  shape: string;
  ms: Partial<Record<Variant, number>>;
  runs: Partial<Record<Variant, number[]>>;
  maxAbsDiff: Partial<Record<Variant, number>>;
}
const rows: Row[] = [];

async function compare(
  runtime: string,
  Tensor: TensorCtor,
  create: (file: string) => Promise<AnySession>,
): Promise<void> {
  const sessions = new Map<Variant, AnySession>();
  for (const v of variants) sessions.set(v, await create(files[v]));
  for (const [rowsCount, length] of shapes) {
    const input = feeds(Tensor, rowsCount, length);
    const logits = new Map<Variant, Float32Array>();
    for (const [v, session] of sessions) logits.set(v, (await session.run(input))['logits']!.data as Float32Array); // warm-up
    const runs: Partial<Record<Variant, number[]>> = {};
    for (let r = 0; r < repeats; r++) {
      // Rotate the order each round.
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + r) % variants.length]!;
        const started = performance.now();
        await sessions.get(v)!.run(input);
        (runs[v] ??= []).push(performance.now() - started);
      }
    }
    // Logit differences from the first variant: 0 for uint8 weights, the layouts' difference for per-row.
    const first = logits.get(variants[0]!)!;
    const row: Row = { runtime, shape: `${rowsCount} x ${length}`, ms: {}, runs, maxAbsDiff: {} };
    for (const v of variants) {
      row.ms[v] = median(runs[v]!);
      row.maxAbsDiff[v] = Math.max(...Array.from(logits.get(v)!, (x, i) => Math.abs(x - first[i]!)));
    }
    rows.push(row);
    console.error(
      `  ${runtime.padEnd(30)} ${row.shape.padEnd(9)} ${variants.map((v) => `${v} ${row.ms[v]!.toFixed(0)} ms`).join('  ')}`,
    );
  }
  await Promise.all([...sessions.values()].map((s) => s.release()));
}

await compare(
  'onnxruntime-node (CPU)',
  ortNode.Tensor as unknown as TensorCtor,
  (file) => ortNode.InferenceSession.create(file) as Promise<AnySession>,
);
ortWeb.env.wasm.numThreads = threads;
await compare(
  `onnxruntime-web WASM (${threads} threads, in Node)`,
  ortWeb.Tensor as unknown as TensorCtor,
  (file) => ortWeb.InferenceSession.create(file, { executionProviders: ['wasm'] }) as Promise<AnySession>,
);

const sizes = Object.fromEntries(await Promise.all(variants.map(async (v) => [v, (await stat(files[v])).size])));
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version };
console.log(
  `\nq8 layouts, ${values.preset} shape, median of ${repeats} ms (${machine.cpus} cores, ${machine.cpuModel}); ratio = variant / ${variants[0]}`,
);
console.log(`files: ${variants.map((v) => `${v} ${(sizes[v] / 1e6).toFixed(1)} MB`).join(', ')}\n`);
console.log(
  `| runtime | rows x tokens | ${variants.map((v) => `${v} (ms)`).join(' | ')} | ${variants
    .slice(1)
    .map((v) => `${v} / ${variants[0]}`)
    .join(' | ')} | max abs diff vs ${variants[0]} |`,
);
console.log(
  `|---|---|${variants.map(() => '---:|').join('')}${variants
    .slice(1)
    .map(() => '---:|')
    .join('')}---|`,
);
for (const r of rows) {
  const ratios = variants.slice(1).map((v) => `${(r.ms[v]! / r.ms[variants[0]!]!).toFixed(2)}`);
  const diffs = variants
    .slice(1)
    .map((v) => `${v} ${r.maxAbsDiff[v]!.toExponential(1)}`)
    .join(', ');
  console.log(
    `| ${r.runtime} | ${r.shape} | ${variants.map((v) => r.ms[v]!.toFixed(0)).join(' | ')} | ${ratios.join(' | ')} | ${diffs} |`,
  );
}
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(
  values.out,
  `${JSON.stringify({ preset: values.preset, repeats, threads, machine, sizes, rows }, null, 2)}\n`,
);
console.log(`\nwrote ${values.out}`);
