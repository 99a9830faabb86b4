/**
 * Memory fit, checked before a model is downloaded: what loading and ranking with it will need
 * (weights, the copy held while the session is built, activations at the planned batch) against what
 * the engine can give. A model that cannot fit is refused with an OutOfMemoryError that names the model,
 * the estimate and a smaller choice, instead of a tab that dies of memory halfway through a download.
 * Pure: the worker supplies what the browser reports.
 */
import { OutOfMemoryError } from './errors.js';
import type { Dtype } from './types.js';

/** The sizes of a BERT-family cross-encoder, as config.json gives them. */
export interface ModelShape {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
}

/** The shape from a config.json, or null when it lacks the sizes (an architecture we do not know). */
export function shapeFromConfig(config: Record<string, unknown>): ModelShape | null {
  const size = (key: string) => (typeof config[key] === 'number' && config[key] > 0 ? config[key] : null);
  const shape = {
    vocabSize: size('vocab_size'),
    hiddenSize: size('hidden_size'),
    numLayers: size('num_hidden_layers'),
    numHeads: size('num_attention_heads'),
    intermediateSize: size('intermediate_size'),
    maxPositions: size('max_position_embeddings') ?? 512,
    typeVocabSize: size('type_vocab_size') ?? 1,
  };
  return Object.values(shape).every((v) => v !== null) ? (shape as ModelShape) : null;
}

/** Parameters of the encoder, its embeddings and a one-logit classification head. */
export function parameterCount(s: ModelShape): number {
  const h = s.hiddenSize;
  const embeddings = (s.vocabSize + s.maxPositions + s.typeVocabSize) * h + 2 * h;
  const layer = 4 * h * h + 4 * h + 2 * h * s.intermediateSize + s.intermediateSize + h + 4 * h;
  const head = h * h + h + h + 1;
  return embeddings + s.numLayers * layer + head;
}

const BYTES_PER_WEIGHT: Record<Dtype, number> = { fp32: 4, fp16: 2, q8: 1 };

/**
 * What loading adds besides the weights' copies: onnxruntime's WASM module and threads, the tokenizer and
 * the JS around them. With LOAD_COPIES, fitted to bench:engine-memory (resident memory of all the
 * browser's processes, load minus idle): 1.4-1.6 GB for a 316 MB q8 file and 0.67-0.86 GB for a 101 MB one
 * in Chromium 156, Firefox 153 and WebKitGTK 2.50.
 */
export const RUNTIME_BYTES = 256 * 2 ** 20;

/**
 * Copies of the weights alive while a session is built: the download (network process and cache), the
 * bytes handed to the worker, onnxruntime's copy in the WASM heap and its optimised graph's initialisers.
 */
const LOAD_COPIES = 4;

/** wasm32 addresses at most 4 GiB: weights and activations of a WASM session must fit in it. */
export const WASM_MEMORY_LIMIT = 4 * 2 ** 30;

export interface MemoryEstimate {
  weightsBytes: number;
  /** While the session is built: the download, the worker's bytes and onnxruntime's copies of the weights. */
  loadBytes: number;
  /** Activations of one model run at the planned batch (the widest rows the model takes). */
  activationBytes: number;
  /** Ranking: weights, activations and the runtime. */
  rankBytes: number;
  /** The larger of the two: what the engine must be able to give. */
  peakBytes: number;
}

export function estimateMemory(
  shape: ModelShape,
  dtype: Dtype,
  batchTokens: number,
  maxLength: number,
): MemoryEstimate {
  const weightsBytes = parameterCount(shape) * BYTES_PER_WEIGHT[dtype];
  const width = Math.min(maxLength, batchTokens);
  const tokens = Math.max(width, Math.floor(batchTokens / width) * width);
  // Per layer, live at once: a few hidden-state tensors, the feed-forward's wide tensors, and the
  // attention scores with their softmax (heads x width x width per row), all fp32 on every dtype.
  const activationBytes =
    4 * tokens * (6 * shape.hiddenSize + 2 * shape.intermediateSize) + 8 * tokens * shape.numHeads * width;
  const loadBytes = LOAD_COPIES * weightsBytes + RUNTIME_BYTES;
  const rankBytes = weightsBytes + activationBytes + RUNTIME_BYTES;
  return { weightsBytes, loadBytes, activationBytes, rankBytes, peakBytes: Math.max(loadBytes, rankBytes) };
}

/** What the browser (or the app) says can be used, each with where it comes from. */
export interface MemorySources {
  /** The app's own limit (load option memoryLimitBytes). */
  limitBytes?: number;
  /** The session runs on WASM: its 4 GiB address space bounds it. */
  wasm: boolean;
  /** navigator.deviceMemory (GB, rounded, Chromium only); a tab is given at most half of it here. */
  deviceMemoryGb?: number;
  /** performance.memory.jsHeapSizeLimit (Chromium only): the JS heap, which holds the tokenizer and texts. */
  jsHeapSizeLimit?: number;
}

export interface MemoryAvailable {
  bytes: number;
  /** Which limit decided, in words. */
  source: string;
}

/** The tightest of the limits that apply; Infinity when nothing is known. */
export function memoryAvailable(sources: MemorySources): MemoryAvailable {
  const limits: MemoryAvailable[] = [];
  if (sources.limitBytes !== undefined) limits.push({ bytes: sources.limitBytes, source: 'memoryLimitBytes' });
  if (sources.wasm) limits.push({ bytes: WASM_MEMORY_LIMIT, source: "WASM's 4 GiB address space" });
  if (sources.deviceMemoryGb !== undefined && sources.deviceMemoryGb > 0) {
    const bytes = (sources.deviceMemoryGb * 2 ** 30) / 2;
    limits.push({ bytes, source: `half of the device's ${sources.deviceMemoryGb} GB (navigator.deviceMemory)` });
  }
  return limits.reduce((tightest, limit) => (limit.bytes < tightest.bytes ? limit : tightest), {
    bytes: Infinity,
    source: 'no limit known',
  });
}

/** Published rerankers, smallest last, offered as the smaller choice (their real vocabularies and shapes). */
export const SMALLER_MODELS: ReadonlyArray<{ id: string; shape: ModelShape }> = [
  {
    id: 'Xenova/bge-reranker-base',
    shape: {
      vocabSize: 250_002,
      hiddenSize: 768,
      numLayers: 12,
      numHeads: 12,
      intermediateSize: 3072,
      maxPositions: 514,
      typeVocabSize: 1,
    },
  },
  {
    id: 'Xenova/ms-marco-MiniLM-L-6-v2',
    shape: {
      vocabSize: 30_522,
      hiddenSize: 384,
      numLayers: 6,
      numHeads: 12,
      intermediateSize: 1536,
      maxPositions: 512,
      typeVocabSize: 2,
    },
  },
];

export interface FitRequest {
  model: string;
  shape: ModelShape;
  dtype: Dtype;
  batchTokens: number;
  maxLength: number;
  available: MemoryAvailable;
}

export const formatBytes = (bytes: number): string =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GB` : `${Math.round(bytes / 2 ** 20)} MB`;

/** The largest batch (halving from the planned one, down to one row of maxLength) that fits; null if none does. */
function largestFittingBatch(shape: ModelShape, dtype: Dtype, batchTokens: number, maxLength: number, bytes: number) {
  for (let tokens = batchTokens; ; tokens = Math.max(maxLength, Math.floor(tokens / 2))) {
    const estimate = estimateMemory(shape, dtype, tokens, maxLength);
    if (estimate.peakBytes <= bytes) return { batchTokens: tokens, estimate };
    if (tokens <= maxLength) return null;
  }
}

/**
 * The closest smaller choice that fits: the same model at 8-bit, then a smaller published model at
 * 8-bit (smaller batches are not a choice: the fit already takes them); null when none fits.
 */
export function smallerChoice(request: FitRequest): { choice: string; peakBytes: number } | null {
  const { shape, dtype, batchTokens, maxLength, available } = request;
  const fitting = (candidate: ModelShape) =>
    largestFittingBatch(candidate, 'q8', batchTokens, maxLength, available.bytes)?.estimate.peakBytes;
  if (dtype !== 'q8') {
    const peakBytes = fitting(shape);
    if (peakBytes !== undefined) return { choice: "dtype 'q8'", peakBytes };
  }
  const ownSize = parameterCount(shape);
  for (const candidate of SMALLER_MODELS) {
    if (parameterCount(candidate.shape) >= ownSize) continue;
    const peakBytes = fitting(candidate.shape);
    if (peakBytes !== undefined) return { choice: `the smaller model ${candidate.id} at q8`, peakBytes };
  }
  return null;
}

export interface MemoryFit {
  estimate: MemoryEstimate;
  /** The planned batch, or a smaller one that fits (the worker then caps its default batchTokens there). */
  batchTokens: number;
}

/**
 * The planned batch if it fits, else the largest smaller batch that does; OutOfMemoryError (naming the
 * model, the estimate at one row and a smaller choice) when not even one row of maxLength fits.
 */
export function checkMemoryFit(request: FitRequest): MemoryFit {
  const { shape, dtype, batchTokens, maxLength, available } = request;
  const fit = largestFittingBatch(shape, dtype, batchTokens, maxLength, available.bytes);
  if (fit) return fit;
  const estimate = estimateMemory(shape, dtype, maxLength, maxLength);
  const smaller = smallerChoice(request);
  const suggestion = smaller
    ? `try ${smaller.choice} (about ${formatBytes(smaller.peakBytes)})`
    : 'no smaller choice fits: rank on the edge service (createReranker({ endpoint })) instead';
  throw new OutOfMemoryError(
    `Model "${request.model}" needs about ${formatBytes(estimate.peakBytes)} at ${dtype} ` +
      `(weights ${formatBytes(estimate.weightsBytes)}, copied ${LOAD_COPIES} times while the session is built), ` +
      `but only about ${formatBytes(available.bytes)} can be used (${available.source}); ${suggestion}`,
    undefined,
    {
      model: request.model,
      estimateBytes: estimate.peakBytes,
      availableBytes: available.bytes,
      smallerChoice: smaller?.choice ?? '',
    },
  );
}
