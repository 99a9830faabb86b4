/**
 * Predicts how long a model of any shape takes on this device, before downloading it, from timings of
 * small probe models (src/catalog/device-probe.ts) or a prior.
 *
 * The cost model (cost-model.ts) says what one model costs per run, per token and per rows x width^2.
 * Across shapes those coefficients scale with the work behind them:
 * - per token: the linear layers, layers x (4 h^2 + 2 h i) multiply-adds (Q, K, V, output; the
 *   feed-forward up and down);
 * - per rows x width^2: attention, layers x (2 h multiply-adds for QK^T and AV per score, plus the
 *   softmax, mask and scale over heads x width^2 scores, each worth SOFTMAX_EQUIVALENT multiply-adds);
 * - per run: the dispatch of each layer's nodes, layers x a constant.
 * Kernel efficiency differs between hidden sizes (small matrices use the CPU less well), so the probe
 * times one layer of each hidden-size geometry in the catalog and a shape is scaled from the probe of
 * its own geometry: then only the layer count changes, which the work scales exactly. A geometry
 * without a probe is scaled from the nearest one by work (less accurate).
 */
import { runShapes } from './budget-plan.js';
import { type CostCoefficients, CostModel, DEFAULT_PRIOR } from './cost-model.js';

/** The part of a shape that fixes its compute. */
export interface ComputeShape {
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  intermediateSize: number;
}

/** Coefficients measured (or assumed) for one shape on one backend. */
export interface ShapeTiming {
  shape: ComputeShape;
  coefficients: CostCoefficients;
}

/**
 * Softmax, mask add and scaling cost per attention score, in multiply-adds of a matrix product: they
 * are elementwise passes with an exp, far less efficient per value than a GEMM's fused multiply-add.
 */
export const SOFTMAX_EQUIVALENT = 16;

/** Multiply-adds per token in the linear layers. */
export function linearWork({ numLayers, hiddenSize: h, intermediateSize: i }: ComputeShape): number {
  return numLayers * (4 * h * h + 2 * h * i);
}

/** Multiply-add equivalents per row per width^2 in attention. */
export function attentionWork({ numLayers, hiddenSize, numHeads }: ComputeShape): number {
  return numLayers * (2 * hiddenSize + SOFTMAX_EQUIVALENT * numHeads);
}

export function sameGeometry(a: ComputeShape, b: ComputeShape): boolean {
  return a.hiddenSize === b.hiddenSize && a.numHeads === b.numHeads && a.intermediateSize === b.intermediateSize;
}

/** The coefficients of `target`, scaled from a timing of another shape by the work of each term. */
export function scaleCoefficients(measured: ShapeTiming, target: ComputeShape): CostCoefficients {
  const c = measured.coefficients;
  return {
    overheadMs: c.overheadMs * (target.numLayers / measured.shape.numLayers),
    perTokenMs: c.perTokenMs * (linearWork(target) / linearWork(measured.shape)),
    perTokenSquaredMs: c.perTokenSquaredMs * (attentionWork(target) / attentionWork(measured.shape)),
  };
}

/** The timing to scale `target` from: one of its own geometry, else the closest in work per layer. */
export function closestTiming(timings: readonly ShapeTiming[], target: ComputeShape): ShapeTiming {
  if (timings.length === 0) throw new RangeError('closestTiming: no timings to predict from');
  const same = timings.find((t) => sameGeometry(t.shape, target));
  if (same) return same;
  const perLayer = (s: ComputeShape) => linearWork(s) / s.numLayers;
  const distance = (t: ShapeTiming) => Math.abs(Math.log(perLayer(t.shape) / perLayer(target)));
  return timings.reduce((best, t) => (distance(t) < distance(best) ? t : best));
}

export function coefficientsFor(timings: readonly ShapeTiming[], target: ComputeShape): CostCoefficients {
  return scaleCoefficients(closestTiming(timings, target), target);
}

export interface RankWorkload {
  /** Candidates ranked in one call. */
  candidates: number;
  /** Tokens per pair, special tokens included (every pair this long: a cautious, padded estimate). */
  tokens: number;
  /** The engine's batch size in tokens (its default 8192). */
  batchTokens?: number;
}

/** Predicted model time in ms to rank the workload with these coefficients, batched as the engine batches. */
export function predictRankMs(coefficients: CostCoefficients, workload: RankWorkload): number {
  const { candidates, tokens, batchTokens = 8192 } = workload;
  if (!(Number.isInteger(candidates) && candidates >= 0 && Number.isInteger(tokens) && tokens >= 1))
    throw new RangeError(`predictRankMs: candidates and tokens must be integers, got ${candidates} x ${tokens}`);
  if (candidates === 0) return 0;
  const runs = runShapes(new Array<number>(candidates).fill(tokens), batchTokens);
  return new CostModel(coefficients).predict(runs);
}

/** The cost model's prior (DEFAULT_PRIOR) is bge-reranker-base's shape, 8-bit, on WASM with 2 threads. */
export const PRIOR_TIMING: ShapeTiming = {
  shape: { numLayers: 12, hiddenSize: 768, numHeads: 12, intermediateSize: 3072 },
  coefficients: DEFAULT_PRIOR,
};
