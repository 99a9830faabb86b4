/**
 * Measures this device before any model is downloaded: builds one encoder layer of each geometry
 * (hidden size, heads, feed-forward size) in memory with the model builder, times a few runs of it on
 * the backend that will rank, and fits the cost model's coefficients (cost-model.ts). shape-cost.ts then
 * (src/engine) scales them to every catalog shape by its layer count.
 *
 * Environment-free: the caller opens a session on its runtime (onnxruntime-web in a worker or in Node,
 * onnxruntime-node) from the model bytes.
 */
import type { CrossEncoderShape, WeightSource } from '../model-builder/config.js';
import { buildCrossEncoderGraph } from '../model-builder/cross-encoder-graph.js';
import { writeOnnxModel } from '../model-builder/onnx-writer.js';
import { quantizeModel } from '../model-builder/quantize.js';
import { expectedWeights } from '../model-builder/weight-names.js';
import { CostModel, type RunShape } from '../engine/cost-model.js';
import { type ComputeShape, type ShapeTiming, sameGeometry } from '../engine/shape-cost.js';

/** Passes at most per geometry, while the runtime is still getting faster (see probeDevice). */
const MAX_PASSES = 8;
/** Embedding rows of a probe model: a real vocabulary only adds a table lookup, not compute. */
const PROBE_VOCAB = 1024;
const PROBE_MAX_LENGTH = 512;

/**
 * The timed runs: a tiny one (mostly per-run overhead), then 512 tokens as 8 x 64, 2 x 256 and 1 x 512:
 * the same linear work at three attention widths, which tells the per-token and the attention terms apart.
 */
export const PROBE_RUNS: readonly RunShape[] = [
  { rows: 1, width: 16 },
  { rows: 8, width: 64 },
  { rows: 2, width: 256 },
  { rows: 1, width: 512 },
];

/** Feeds for one run: token ids (any in-vocabulary ids: timing does not depend on them), a full mask. */
export interface ProbeFeeds {
  dims: [number, number];
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

/** A session on the caller's runtime: one timed model run per call. */
export interface ProbeSession {
  run(feeds: ProbeFeeds): Promise<unknown>;
  release(): Promise<void>;
}

/** Opens a session on the model bytes; `geometry` is what was built (for logs and fakes). */
export type OpenProbeSession = (onnx: Uint8Array, geometry: ComputeShape) => Promise<ProbeSession>;

export type ProbePrecision = 'q8' | 'fp16' | 'fp32';

/** The distinct geometries of these shapes, each as a one-layer shape. */
export function probeGeometries(shapes: readonly ComputeShape[]): ComputeShape[] {
  const geometries: ComputeShape[] = [];
  for (const shape of shapes) {
    if (!geometries.some((g) => sameGeometry(g, shape))) geometries.push({ ...shape, numLayers: 1 });
  }
  return geometries;
}

/** The ONNX bytes of a one-layer XLM-R cross-encoder of this geometry, seeded random weights. */
export async function buildProbeModel(geometry: ComputeShape, precision: ProbePrecision): Promise<Uint8Array> {
  const shape: CrossEncoderShape = {
    architecture: 'xlm-roberta',
    vocabSize: PROBE_VOCAB,
    hiddenSize: geometry.hiddenSize,
    numLayers: geometry.numLayers,
    numHeads: geometry.numHeads,
    intermediateSize: geometry.intermediateSize,
    maxPositionEmbeddings: PROBE_MAX_LENGTH + 2,
    typeVocabSize: 1,
    layerNormEps: 1e-5,
    padTokenId: 1,
  };
  const weights = patternWeights(shape);
  const fp32 = buildCrossEncoderGraph(shape, weights, precision === 'fp16' ? 'float16' : 'float32');
  const graph = precision === 'q8' ? quantizeModel(fp32) : fp32;
  const chunks: Uint8Array[] = [];
  await writeOnnxModel(graph, 'probe.onnx', async () => ({
    write: async (bytes) => void chunks.push(bytes.slice()),
    close: async () => undefined,
  }));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Weights for timing only: a cheap deterministic pattern at the scale of trained weights (the run time
 * does not depend on the values; normal random draws would take most of the probe's time to make).
 */
function patternWeights(shape: CrossEncoderShape): WeightSource {
  const dims = expectedWeights(shape);
  return {
    shape: (name) => dims.get(name),
    read: async (name) => {
      const size = dims.get(name)!.reduce((a, b) => a * b, 1);
      const layerNormGain = name.includes('LayerNorm') && name.endsWith('.weight');
      const scale = 1 / Math.sqrt(dims.get(name)!.at(-1)!);
      const data = new Float32Array(size);
      for (let k = 0; k < size; k++)
        data[k] = layerNormGain ? 1 : (((Math.imul(k, 2654435761) >>> 0) % 2001) / 1000 - 1) * scale;
      return data;
    },
  };
}

export function probeFeeds({ rows, width }: RunShape): ProbeFeeds {
  const inputIds = new BigInt64Array(rows * width);
  for (let i = 0; i < inputIds.length; i++) inputIds[i] = BigInt(3 + ((i * 7919) % (PROBE_VOCAB - 3)));
  return { dims: [rows, width], inputIds, attentionMask: new BigInt64Array(rows * width).fill(1n) };
}

export interface ProbeOptions {
  precision: ProbePrecision;
  open: OpenProbeSession;
  /** Passes over PROBE_RUNS whose fastest time per run is kept (default 2; more while still warming up). */
  passes?: number;
  now?: () => number;
  signal?: AbortSignal;
}

/** Times one layer of each geometry; the result feeds shape-cost.ts (coefficientsFor). */
export async function probeDevice(shapes: readonly ComputeShape[], options: ProbeOptions): Promise<ShapeTiming[]> {
  const { precision, open, passes = 2, now = () => performance.now() } = options;
  const timings: ShapeTiming[] = [];
  for (const geometry of probeGeometries(shapes)) {
    options.signal?.throwIfAborted();
    const session = await open(await buildProbeModel(geometry, precision), geometry);
    try {
      // The first run of a session allocates its buffers: the largest one once, untimed.
      await session.run(probeFeeds(PROBE_RUNS.at(-1)!));
      // Then passes over every run until a pass is no more than 10% faster than the one before: a WASM
      // runtime starts in baseline code that the engine recompiles once hot (V8's tier-up), run shape by
      // run shape, which made the first geometry look several times slower. Each run keeps its fastest
      // time of the last `passes` passes: another process taking the CPU only ever adds time, so the
      // minimum is the best estimate of this device's own speed (a rank is measured the same way).
      const history: number[][] = [];
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        const times = PROBE_RUNS.map(() => 0);
        for (const [i, run] of PROBE_RUNS.entries()) {
          options.signal?.throwIfAborted();
          const feeds = probeFeeds(run);
          const started = now();
          await session.run(feeds);
          times[i] = now() - started;
        }
        history.push(times);
        const total = (t: number[]) => t.reduce((a, b) => a + b, 0);
        const previous = history.at(-2);
        if (history.length >= passes && previous && total(times) >= 0.9 * total(previous)) break;
      }
      const recent = history.slice(-passes);
      const cost = new CostModel();
      PROBE_RUNS.forEach((run, i) => cost.observe(run, Math.min(...recent.map((times) => times[i]!))));
      timings.push({ shape: geometry, coefficients: cost.coefficients });
    } finally {
      await session.release();
    }
  }
  return timings;
}
