/**
 * Typed errors of the reranker. Each has a stable `code` from the project's vocabulary
 * (src/errors/error-codes.ts) and, when a file is involved, its name, so that callers (and the worker
 * boundary, which copies these fields) can tell problems apart.
 */
import { CodedError } from '../errors/coded-error.js';
import type { RerankerErrorCode } from '../errors/error-codes.js';

export type { RerankerErrorCode } from '../errors/error-codes.js';

export class RerankerError extends CodedError<RerankerErrorCode> {
  override name = 'RerankerError';
  constructor(code: RerankerErrorCode, message: string, options: { cause?: unknown; file?: string } = {}) {
    super(code, message, options);
    if (options.file !== undefined) this.file = options.file;
  }
  /** The model file the problem is about, if any (relative to the model, e.g. `onnx/model.onnx`). */
  file?: string;
}

export class InvalidInputError extends RerankerError {
  override name = 'InvalidInputError';
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export class LimitExceededError extends RerankerError {
  override name = 'LimitExceededError';
  constructor(message: string) {
    super('LIMIT_EXCEEDED', message);
  }
}

export class ModelLoadError extends RerankerError {
  override name = 'ModelLoadError';
  constructor(
    code:
      | 'MODEL_FILE_MISSING'
      | 'MODEL_FILE_CORRUPT'
      | 'UNSUPPORTED_MODEL'
      | 'MODEL_MISMATCH'
      | 'MODEL_LOAD_FAILED'
      | 'DOWNLOAD_STALLED',
    message: string,
    options: { cause?: unknown; file?: string } = {},
  ) {
    super(code, message, options);
  }
}

export class InferenceError extends RerankerError {
  override name = 'InferenceError';
  constructor(message: string, cause?: unknown) {
    super('INFERENCE_FAILED', message, { cause });
  }
}

/**
 * A model run could not allocate its memory (WASM's 4 GB heap, or the process). On WASM the session is
 * unusable afterwards; the browser client replaces its worker. Lower `batchTokens` or `maxLength`.
 */
export class OutOfMemoryError extends RerankerError {
  override name = 'OutOfMemoryError';
  constructor(message: string, cause?: unknown, fit?: MemoryFitDetails) {
    super('OUT_OF_MEMORY', message, { cause });
    if (fit) Object.assign(this, fit);
  }
  /** Set when the load-time fit check refused the model (src/engine/memory-fit.ts). */
  model?: string;
  estimateBytes?: number;
  availableBytes?: number;
  /** e.g. `dtype 'q8'`, `batchTokens 2048`, or a smaller published model; empty when none fits. */
  smallerChoice?: string;
}

/** What the load-time memory fit check found, carried on its OutOfMemoryError (and across the worker boundary). */
export interface MemoryFitDetails {
  model: string;
  estimateBytes: number;
  availableBytes: number;
  smallerChoice: string;
}

/** A call stopped through its AbortSignal. Named like the DOM's AbortError so generic code recognises it. */
export class AbortedError extends RerankerError {
  override name = 'AbortError';
  constructor(message = 'the call was aborted') {
    super('ABORTED', message);
  }
}

/**
 * The browser reranker's worker stopped answering: its script or onnxruntime's files failed to load, it
 * threw outside any call, or it ended (terminated, out of memory). Every pending and later call gets this.
 */
export class WorkerCrashedError extends RerankerError {
  override name = 'WorkerCrashedError';
  constructor(message: string, cause?: unknown) {
    super('WORKER_CRASHED', message, { cause });
  }
}

/** A browser load reported no progress (download bytes, compile, warm-up) for `loadStallMs`. */
export class LoadStalledError extends RerankerError {
  override name = 'LoadStalledError';
  constructor(message: string) {
    super('LOAD_STALLED', message);
  }
}
