/** Public types of the reranking engine. Shared by Node, the worker and the browser client. */
import type { TruncationRule } from './pair-tokens.js';
import type { ScoreCacheLimits } from './score-cache.js';

export type { ScoreCacheLimits };

/** How a logit becomes a score: `sigmoid` (default), raw logits, or a softmax across the ranked list. */
export type Activation = 'sigmoid' | 'none' | 'softmax';

/** Which ONNX file is loaded: fp32 `model.onnx`, fp16 `model_fp16.onnx`, 8-bit `model_quantized.onnx`. */
export type Dtype = 'fp32' | 'fp16' | 'q8';

/** Execution device, as transformers.js names it. */
export type Device = 'cpu' | 'wasm' | 'webgpu';

/**
 * What to do with a passage longer than the token budget left after the query: cut it (`truncate`),
 * score every overlapping window and keep the best (`windows`), or score the one window that best
 * matches the query's terms (`focus`, experimental).
 */
export type LongPassageStrategy = 'truncate' | 'windows' | 'focus';

export interface LoadOptions {
  /**
   * A local folder (absolute or relative path, Node only) in the Hugging Face layout,
   * or a model id such as `Xenova/bge-reranker-base` fetched from `remoteHost`.
   */
  model: string;
  /**
   * Base URL of a hub-compatible server (`/{model}/resolve/{revision}/{file}`), for this load only.
   * Default: huggingface.co. In Node, downloads are cached per host, model and revision under `env.cacheDir`.
   */
  remoteHost?: string;
  /** Hub revision (branch, tag or commit). Default `main`. */
  revision?: string;
  dtype?: Dtype;
  device?: Device;
  /** Refuse more documents than this in one call. Default 1000. */
  maxDocuments?: number;
  /** Refuse a query or a document longer than this many characters. Default 100_000. */
  maxCharacters?: number;
  /** Stops loading (a download, or between load steps); the load then rejects with an AbortedError. */
  signal?: AbortSignal;
  /**
   * Longest wait for a download's response headers and between two chunks of its body; past it the load
   * rejects with a ModelLoadError of code DOWNLOAD_STALLED. Default 30 000 ms.
   */
  stallTimeoutMs?: number;
  /** Download progress per file (bytes loaded and total), from transformers.js. */
  onProgress?: (event: LoadProgress) => void;
  /**
   * Bounds of the score cache that lets a repeated or refined query skip pairs already scored by this
   * model (default 10 000 pairs, 16 MiB); `false` turns it off.
   */
  scoreCache?: ScoreCacheLimits | false;
}

export interface LoadProgress {
  file: string;
  loaded: number;
  total: number;
}

export type { TruncationRule };

export interface RankOptions {
  /** Keep only the best K results. Default: all. */
  topK?: number;
  /** Tokens per pair, special tokens included. Default 512 (capped at what the model allows). */
  maxLength?: number;
  activation?: Activation;
  /** Copy each document's text into its result. Default false. */
  returnDocuments?: boolean;
  /** Padded tokens (rows x longest row) one model run may hold. Default 8192. */
  batchTokens?: number;
  /**
   * Default `truncate`. With `windows`, a long passage is scored by its best overlapping window (one
   * model row per window). With `focus` (experimental), by the single window that shares the most
   * query terms: one row per passage, like truncation, but not always the head.
   */
  longPassages?: LongPassageStrategy;
  /** Tokens shared by consecutive windows (`windows` and `focus`). Default: a quarter of the window. */
  windowOverlap?: number;
  /**
   * How a pair longer than `maxLength` is cut (`truncate` mode). `passage-first` (default): the
   * passage gives way, the query stays whole unless it alone does not fit. `longest-first`: Hugging
   * Face's `truncation=True`, scores equal to the Python recipe of a model card.
   */
  truncation?: TruncationRule;
  /** Stops the call between model runs; it then rejects with an AbortedError. */
  signal?: AbortSignal;
}

export interface RankedDocument {
  /** Position of the document in the caller's input array. */
  index: number;
  score: number;
  document?: string;
}

export type ScoreOptions = Omit<RankOptions, 'topK' | 'returnDocuments'>;

/** What a latency budget allowed: the first `candidates` documents, cut at `maxLength` tokens. */
export interface RankPlan {
  candidates: number;
  maxLength: number;
  /** The cost model's prediction for scoring them, in milliseconds. */
  predictedMs: number;
}

/** A ranking with what it is based on; partial ones arrive through `onPartial`. */
export interface RankReport {
  /** Scored documents, best first (at most topK). */
  results: RankedDocument[];
  /**
   * Documents not scored (yet, or not within the budget), in their input (first-stage) order: the full
   * current ordering is `results`, then these.
   */
  unscored: number[];
  /** How many documents have a score. */
  scored: number;
  total: number;
  /** Scores taken from the score cache instead of the model. */
  cacheHits: number;
  /** false for a partial ranking. */
  final: boolean;
  /** Milliseconds since the call started running (queue wait excluded). */
  elapsedMs: number;
  /** With `budgetMs`: what the budget allowed. */
  plan?: RankPlan;
}

export interface DetailedRankOptions extends RankOptions {
  /**
   * Score only what fits this many milliseconds, by the engine's cost model for this model and backend:
   * the best first-stage candidates first, at a shorter maxLength if that lets all of them in. The
   * report's `plan` says what was chosen; the rest are in `unscored`.
   */
  budgetMs?: number;
  /**
   * Called after every model run with the ranking so far. Candidates are then scored in input order
   * (the caller's first-stage order), a slice at a time, so early partials cover the best candidates.
   */
  onPartial?: (partial: RankReport) => void;
}
