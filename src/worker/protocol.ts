/** Types shared by the worker and the main-thread client. */
import type { Dtype, LoadOptions, LoadProgress, RankReport } from '../engine/types.js';
import type { Backend } from './backend-plan.js';
import type { WorkerFault } from './simulated-faults.js';

export interface WorkerLoadOptions extends Omit<LoadOptions, 'device' | 'dtype' | 'onProgress' | 'signal'> {
  /** `auto` (default) picks by the rules in backend-plan.ts. */
  device?: Backend | 'auto';
  dtype?: Dtype;
  threads?: number;
  /**
   * Model files picked by the user, keyed by their path in the model folder (`config.json`,
   * `onnx/model_quantized.onnx`, ...). When given, `model` is only a label and nothing is downloaded.
   */
  files?: Record<string, Blob>;
  /** Cache downloaded model files in the Cache API (default true). */
  browserCache?: boolean;
  /**
   * The most memory (bytes) loading and ranking may take. Before any weights are downloaded the worker
   * estimates what the model needs and refuses with OutOfMemoryError (naming the estimate and a smaller
   * choice) when it exceeds this or what the browser can give (WASM's 4 GiB, half of navigator.deviceMemory).
   */
  memoryLimitBytes?: number;
}

/**
 * What the client really sends the worker: the public options plus fields that are not the app's to
 * set. Kept out of WorkerLoadOptions so that the published CreateRerankerOptions does not offer them, and
 * tagged internal so that the published declarations (stripInternal) do not even mention them.
 */
export interface WorkerLoadRequest extends WorkerLoadOptions {
  /**
   * @internal Test seam: make WebGPU fail at `create` or at the first `run`, or really lose the GPU device
   * (`GPUDevice.destroy()`) under the model run in flight when the first rank comes ('lose-device'), or
   * under a run queued ahead of it ('lose-device-ahead'), to exercise the fallback.
   */
  simulateWebGpuFailure?: 'create' | 'run' | 'lose-device' | 'lose-device-ahead';
  /**
   * @internal Test seam: stop the worker while the first rank waits on it: `close` (its context ends, no
   * event), `throw` (an uncaught error), `stuck` (never yields), `heap-exhaustion` (allocates until the
   * engine's JS heap limit). See simulated-faults.ts.
   */
  simulateWorkerFault?: WorkerFault;
  /**
   * @internal Test seam: log the load's resource fetches and onnxruntime's start to the console
   * ('[worker trace] …'), so that a load that hangs in a test shows how far it got (load-trace.ts).
   */
  traceLoad?: boolean;
  /** @internal Set by the client when it replaces a worker whose backend failed: reported in `ready.fallbacks`. */
  priorFallbacks?: ReadyState['fallbacks'];
}

/**
 * In order: the model's files download, then onnxruntime's WASM runtime (`runtime`, tens of MB the
 * first time, then from the HTTP cache), then it compiles and the session is built (`compile`), a
 * warm-up run, ready. A worker that already holds the runtime skips `runtime`.
 */
export type LoadPhase = 'download' | 'runtime' | 'compile' | 'warm-up' | 'ready';

/** Bytes of one file so far: a model file (`download`) or onnxruntime's wasm (`runtime`). */
export type ProgressEvent =
  | ({ phase: 'download' } & LoadProgress)
  | ({ phase: 'runtime' } & LoadProgress)
  | { phase: Exclude<LoadPhase, 'download' | 'runtime'>; backend: Backend };

export interface ReadyState {
  backend: Backend;
  dtype: Dtype;
  threads: number;
  model: string;
  architecture: string;
  maxLength: number;
  /** Why this backend runs (the plan's reason, or why an earlier choice failed). */
  reason: string;
  /** Earlier backends that failed, with their errors, in order. */
  fallbacks: Array<{ backend: Backend; dtype: Dtype; error: string }>;
  /** Evidence that the backend really runs, in words (from onnxruntime's own node-placement log). */
  verified: string;
  /** Graph nodes per execution provider, as onnxruntime logged them, e.g. { WebGpuExecutionProvider: 69, CPUExecutionProvider: 5 }. */
  nodePlacement: Record<string, number>;
  /** Set when the model's config.json says it was generated: random weights, scores without relevance. */
  generatedBy?: string;
}

/**
 * The worker's answer to a load: ready, or why its onnxruntime (started by an earlier model) cannot run
 * the new model's plan, in which case it loaded nothing and a fresh worker must.
 */
export type LoadOutcome = { ready: ReadyState } | { freshWorker: string };

/**
 * A partial ranking of call `partialOf`, posted on the worker's own port: in order with the call's
 * answer, so every partial reaches the page before the result (a Comlink callback has a port of its
 * own, whose messages Firefox delivered after the answer now and then: a progressive rank showed none).
 */
export interface PartialMessage {
  partialOf: number;
  report: RankReport;
}

export function isPartialMessage(data: unknown): data is PartialMessage {
  return typeof data === 'object' && data !== null && typeof (data as PartialMessage).partialOf === 'number';
}
