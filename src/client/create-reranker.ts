/**
 * Main-thread API: the model runs in a module Web Worker, so ranking never blocks the page.
 *
 *   const reranker = await createReranker({ model: 'onnx-community/bge-reranker-v2-m3-ONNX' });
 *   const ranked = await reranker.rank(query, passages, { topK: 10, signal });
 */
import * as Comlink from 'comlink';
import { AbortedError } from '../engine/errors.js';
import type { RankOptions, RankedDocument, ScoreOptions } from '../engine/types.js';
import { installErrorTransfer } from '../worker/error-transfer.js';
import type { ProgressEvent, ReadyState, WorkerLoadOptions } from '../worker/protocol.js';
import type { RerankerWorkerApi } from '../worker/reranker.worker.js';
import { type RemoteReranker, type RemoteRerankerOptions, createRemoteReranker } from './remote-reranker.js';

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
  /** Frees the model and terminates the worker. */
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

/** With `endpoint`, the same API backed by the edge rerank service (no worker, no model download). */
export function createReranker(options: RemoteRerankerOptions): Promise<RemoteReranker>;
export function createReranker(options: CreateRerankerOptions): Promise<BrowserReranker>;
export async function createReranker(options: CreateRerankerOptions | RemoteRerankerOptions): Promise<BrowserReranker | RemoteReranker> {
  if ('endpoint' in options) return createRemoteReranker(options);
  installErrorTransfer();
  const worker = new Worker(new URL('../worker/reranker.worker.ts', import.meta.url), { type: 'module', name: 'reranker' });
  const remote = Comlink.wrap<RerankerWorkerApi>(worker);
  const { onProgress, signal, ...loadOptions } = resolveModelPath(options);
  let ready: ReadyState;
  try {
    if (signal?.aborted) throw new AbortedError('loading was cancelled');
    const aborted = new Promise<never>((_, reject) =>
      signal?.addEventListener('abort', () => reject(new AbortedError('loading was cancelled')), { once: true }),
    );
    ready = await Promise.race([remote.load(loadOptions, onProgress ? Comlink.proxy(onProgress) : undefined), aborted]);
  } catch (error) {
    // Terminating is the only way to stop a download or a session build inside the worker.
    worker.terminate();
    throw error;
  }

  let nextRequestId = 1;
  let disposed = false;
  /** Calls run one after another, in the order they were made. */
  let queue: Promise<unknown> = Promise.resolve();

  const call = <T>(signal: AbortSignal | undefined, work: (requestId: number) => Promise<T>): Promise<T> => {
    if (disposed) return Promise.reject(new AbortedError('the reranker was disposed'));
    const requestId = nextRequestId++;
    const run = async () => {
      if (signal?.aborted) throw new AbortedError();
      const onAbort = () => void remote.cancel(requestId);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await work(requestId);
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
    state: async () => (await remote.readyState()) ?? api.ready,
    rank: (query, documents, rankOptions = {}) => {
      const { signal, ...rest } = rankOptions;
      return call(signal, (id) => remote.rank(id, query, documents, rest));
    },
    score: (pairs, scoreOptions = {}) => {
      const { signal, ...rest } = scoreOptions;
      return call(signal, (id) => remote.score(id, pairs, rest));
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      try {
        await remote.dispose();
      } finally {
        remote[Comlink.releaseProxy]();
        worker.terminate();
      }
    },
  };
  return api;
}
