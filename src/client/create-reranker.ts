/**
 * Main-thread API: the model runs in a module Web Worker, so ranking never blocks the page.
 *
 *   const reranker = await createReranker({ model: 'onnx-community/bge-reranker-v2-m3-ONNX' });
 *   const ranked = await reranker.rank(query, passages, { topK: 10, signal });
 *
 * Every promise settles: calls race the worker's death (WorkerLifeline), and dispose rejects the calls
 * still running or queued instead of leaving them waiting on a terminated worker.
 */
import * as Comlink from 'comlink';
import { AbortedError } from '../engine/errors.js';
import type { RankOptions, RankedDocument, ScoreOptions } from '../engine/types.js';
import { installErrorTransfer } from '../worker/error-transfer.js';
import type { ProgressEvent, ReadyState, WorkerLoadOptions } from '../worker/protocol.js';
import type { RerankerWorkerApi } from '../worker/reranker.worker.js';
import { WorkerLifeline } from './worker-lifeline.js';

export interface CreateRerankerOptions extends WorkerLoadOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Cancels loading (e.g. a long download): the worker is terminated and the call rejects with AbortedError. */
  signal?: AbortSignal;
}

export interface BrowserReranker {
  /** The backend, dtype, threads and model that were loaded, and why (updated by switchModel). */
  readonly ready: ReadyState;
  /**
   * Loads another model in the same worker (the current one is freed first). On failure the error is
   * thrown and the worker stays alive with no model: switch again to recover.
   */
  switchModel(options: Omit<CreateRerankerOptions, 'signal'>): Promise<ReadyState>;
  /** The current state: it changes if WebGPU fails later and the worker moves to WASM. */
  state(): Promise<ReadyState>;
  rank(query: string, documents: string[], options?: RankOptions): Promise<RankedDocument[]>;
  score(pairs: Array<[string, string]>, options?: ScoreOptions): Promise<number[]>;
  /** Terminates the worker (which frees the model); calls still running or queued reject with AbortedError. */
  dispose(): Promise<void>;
}

/**
 * A relative or root-relative model path means "next to this page"; the worker would resolve it
 * against its own script URL (which may sit elsewhere, e.g. in a library's assets folder).
 */
function resolveModelPath<T extends { model: string }>(options: T): T {
  const isPath = /^(\.{1,2})?\//.test(options.model);
  return isPath && typeof location !== 'undefined' ? { ...options, model: new URL(options.model, location.href).href } : options;
}

export async function createReranker(options: CreateRerankerOptions): Promise<BrowserReranker> {
  installErrorTransfer();
  const worker = new Worker(new URL('../worker/reranker.worker.ts', import.meta.url), { type: 'module', name: 'reranker' });
  const lifeline = new WorkerLifeline(worker);
  const remote = Comlink.wrap<RerankerWorkerApi>(worker);
  const { onProgress, signal, ...loadOptions } = resolveModelPath(options);
  let ready: ReadyState;
  try {
    if (signal?.aborted) throw new AbortedError('loading was cancelled');
    // Terminating is the only way to stop a download or a session build inside the worker.
    signal?.addEventListener('abort', () => lifeline.end(new AbortedError('loading was cancelled')), { once: true });
    await lifeline.watch((name) => remote.holdLifeline(name));
    ready = await lifeline.race(remote.load(loadOptions, onProgress ? Comlink.proxy(onProgress) : undefined));
  } catch (error) {
    lifeline.end(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }

  let nextRequestId = 1;
  /** Calls run one after another, in the order they were made. */
  let queue: Promise<unknown> = Promise.resolve();

  const call = <T>(signal: AbortSignal | undefined, work: (requestId: number) => Promise<T>): Promise<T> => {
    if (lifeline.ended) return Promise.reject(lifeline.ended);
    const requestId = nextRequestId++;
    const run = async () => {
      // A call queued behind one that was running when the worker ended must not reach the dead worker.
      if (lifeline.ended) throw lifeline.ended;
      if (signal?.aborted) throw new AbortedError();
      const onAbort = () => void remote.cancel(requestId);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await lifeline.race(work(requestId));
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

  const api: BrowserReranker = {
    ready,
    switchModel: (switchOptions) =>
      call(undefined, async () => {
        const { onProgress: progress, ...next } = resolveModelPath(switchOptions);
        const state = await remote.load(next, progress ? Comlink.proxy(progress) : undefined);
        (api as { ready: ReadyState }).ready = state;
        return state;
      }),
    state: async () => (await lifeline.race(remote.readyState())) ?? api.ready,
    rank: (query, documents, rankOptions = {}) => {
      const { signal, ...rest } = rankOptions;
      return call(signal, (id) => remote.rank(id, query, documents, rest));
    },
    score: (pairs, scoreOptions = {}) => {
      const { signal, ...rest } = scoreOptions;
      return call(signal, (id) => remote.score(id, pairs, rest));
    },
    dispose: async () => {
      if (lifeline.ended) return;
      // Terminating frees the session, the wasm heap and the GPU device at once, even mid-run; waiting for
      // a graceful dispose would wait for the batch in flight.
      remote[Comlink.releaseProxy]();
      lifeline.end(new AbortedError('the reranker was disposed'));
    },
  };
  return api;
}
