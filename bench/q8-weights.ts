/**
 * 8-bit weight layout, side by side in one process: our q8 file (int8 symmetric weights, as published
 * q8 exports) against the same file rewritten with uint8 weights (w + 128, zero point 128: the same
 * integer arithmetic, so logits must be bit-identical), on onnxruntime-node and on onnxruntime-web's
 * WASM backend. Runs alternate between the two files so that machine noise hits both alike.
 *
 *   npx tsx bench/q8-weights.ts [--preset bge-reranker-base] [--repeats 3] [--shapes 20x286,16x512]
 *
 * Prints a table and writes bench/results/q8-weights.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { decodeModel, encodeModel, onnx } from '../src/model-builder/onnx-graph.js';
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'bge-reranker-base' },
    repeats: { type: 'string', default: '3' },
    shapes: { type: 'string', default: '20x286,16x512' },
    threads: { type: 'string', default: String(Math.min(2, os.cpus().length)) },
    out: { type: 'string', default: 'bench/results/q8-weights.json' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const repeats = Number(values.repeats);
const threads = Number(values.threads);
const shapes = values.shapes.split(',').map((s) => s.split('x').map(Number) as [number, number]);

const folder = path.resolve(`models/bench-q8-${values.preset}`);
const int8File = path.join(folder, 'onnx/model_quantized.onnx');
const uint8File = path.join(folder, 'onnx/model_quantized_uint8.onnx');
if (!existsSync(int8File)) {
  console.error(`building ${values.preset} (q8, random weights) into ${folder} ...`);
  await writeCrossEncoder({ preset: PRESETS[values.preset], outDir: folder, seed: 1, dtypes: ['q8'] });
}

/** The same model with uint8 MatMulInteger weights: q + 128 and an explicit zero point of 128 per column. */
async function writeUint8Variant(): Promise<void> {
  const model = decodeModel(await readFile(int8File));
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
      const tensor = { name: zeroPoint, dataType: onnx.TensorProto.DataType.UINT8, dims: [columns], rawData: new Uint8Array(columns).fill(128) };
      graph.initializer!.push(tensor);
      tensors.set(zeroPoint, tensor);
    }
    node.input = [node.input![0]!, node.input![1]!, node.input![2]!, zeroPoint];
  }
  await writeFile(uint8File, encodeModel(model));
}
await writeUint8Variant();

type AnySession = { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>; release(): Promise<void> };
type TensorCtor = new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;

function feeds(Tensor: TensorCtor, rows: number, length: number): Record<string, unknown> {
  const ids = new BigInt64Array(rows * length);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < length; t++) ids[r * length + t] = t === 0 ? 0n : t === length - 1 ? 2n : BigInt(5 + ((r * 7919 + t * 104729) % 20000));
  }
  return { input_ids: new Tensor('int64', ids, [rows, length]), attention_mask: new Tensor('int64', new BigInt64Array(rows * length).fill(1n), [rows, length]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Row { runtime: string; shape: string; int8Ms: number; uint8Ms: number; speedup: number; maxAbsDiff: number; runs: { int8: number[]; uint8: number[] } }
const rows: Row[] = [];

async function compare(runtime: string, Tensor: TensorCtor, create: (file: string) => Promise<AnySession>): Promise<void> {
  const sessions = { int8: await create(int8File), uint8: await create(uint8File) };
  for (const [rowsCount, length] of shapes) {
    const input = feeds(Tensor, rowsCount, length);
    const logits: Record<string, Float32Array> = {};
    for (const key of ['int8', 'uint8'] as const) logits[key] = (await sessions[key].run(input))['logits']!.data as Float32Array; // warm-up
    const runs = { int8: [] as number[], uint8: [] as number[] };
    for (let r = 0; r < repeats; r++) {
      for (const key of (r % 2 === 0 ? ['int8', 'uint8'] : ['uint8', 'int8']) as Array<'int8' | 'uint8'>) {
        const started = performance.now();
        await sessions[key].run(input);
        runs[key].push(performance.now() - started);
      }
    }
    const maxAbsDiff = Math.max(...Array.from(logits['int8']!, (x, i) => Math.abs(x - logits['uint8']![i]!)));
    const row = { runtime, shape: `${rowsCount} x ${length}`, int8Ms: median(runs.int8), uint8Ms: median(runs.uint8), speedup: median(runs.uint8) / median(runs.int8), maxAbsDiff, runs };
    rows.push(row);
    console.error(`  ${runtime.padEnd(30)} ${row.shape.padEnd(9)} int8 ${row.int8Ms.toFixed(0).padStart(6)} ms  uint8 ${row.uint8Ms.toFixed(0).padStart(6)} ms  x${row.speedup.toFixed(2)}  max abs diff ${maxAbsDiff}`);
  }
  await Promise.all([sessions.int8.release(), sessions.uint8.release()]);
}

await compare('onnxruntime-node (CPU)', ortNode.Tensor as unknown as TensorCtor, (file) => ortNode.InferenceSession.create(file) as Promise<AnySession>);
ortWeb.env.wasm.numThreads = threads;
await compare(`onnxruntime-web WASM (${threads} threads, in Node)`, ortWeb.Tensor as unknown as TensorCtor, (file) => ortWeb.InferenceSession.create(file, { executionProviders: ['wasm'] }) as Promise<AnySession>);

const sizes = { int8: (await stat(int8File)).size, uint8: (await stat(uint8File)).size };
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version };
console.log(`\nq8 weights: int8 (symmetric) vs uint8 (zero point 128), ${values.preset} shape, median of ${repeats} (${machine.cpus} cores, ${machine.cpuModel})`);
console.log(`files: int8 ${(sizes.int8 / 1e6).toFixed(1)} MB, uint8 ${(sizes.uint8 / 1e6).toFixed(1)} MB\n`);
console.log('| runtime | rows x tokens | int8 weights (ms) | uint8 weights (ms) | int8 speed-up | max abs diff |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.runtime} | ${r.shape} | ${r.int8Ms.toFixed(0)} | ${r.uint8Ms.toFixed(0)} | ${r.speedup.toFixed(2)}x | ${r.maxAbsDiff} |`);
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify({ preset: values.preset, repeats, threads, machine, sizes, rows }, null, 2)}\n`);
console.log(`\nwrote ${values.out}`);
