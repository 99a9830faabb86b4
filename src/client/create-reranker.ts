/**
 * Main-thread API: the model runs in a module Web Worker, so ranking never blocks the page.
 *
 *   const reranker = await createReranker({ model: 'onnx-community/bge-reranker-v2-m3-ONNX' });
 *   const ranked = await reranker.rank(query, passages, { topK: 10, signal });
 *
 * Every promise settles: calls race the worker's death (WorkerLifeline), and dispose rejects the calls
 * still running or queued instead of leaving them waiting on a terminated worker. A worker whose
 * runtime is left unusable (WebGPU device lost, WASM out of memory) is replaced by a fresh one.
 */
import * as Comlink from 'comlink';
import { AbortedError, LoadStalledError, RerankerError, WorkerCrashedError } from '../engine/errors.js';
import { positiveInteger } from '../engine/validation.js';
import type { DetailedRankOptions, RankOptions, RankReport, RankedDocument, ScoreOptions } from '../engine/types.js';
import { installErrorTransfer } from '../worker/error-transfer.js';
import type {
  LoadOutcome,
  ProgressEvent,
  ReadyState,
  WorkerLoadOptions,
  WorkerLoadRequest,
} from '../worker/protocol.js';
import type { RerankerWorkerApi } from '../worker/reranker.worker.js';
import { checkLoadArguments, checkRankArguments, checkScoreArguments } from './argument-checks.js';
import { type RemoteReranker, type RemoteRerankerOptions, createRemoteReranker } from './edge-service-reranker.js';
import { holdModelCache } from './model-cache-hold.js';
import {
  type PlacedReranker,
  type PlacedRerankerOptions,
  cachedConfigInBrowser,
  createPlacedReranker,
} from './placed-reranker.js';
import { PartialRouter } from './partial-router.js';
import { WorkerLifeline, isStoppedAnswering } from './worker-lifeline.js';

export interface CreateRerankerOptions extends WorkerLoadOptions {
  onProgress?: (event: ProgressEvent) => void;
  /**
   * A load (or a replacement worker's load) that reports no progress for this long is stopped with a
   * LoadStalledError (code LOAD_STALLED) and its worker terminated. Default 300 000 (5 minutes).
   */
  loadStallMs?: number;
  /** Cancels loading (e.g. a long download): the worker is terminated and the call rejects with AbortedError. */
  signal?: AbortSignal;
}

export interface BrowserReranker {
  /** The backend, dtype, threads and model that were loaded, and why (updated by switchModel and fallbacks). */
  readonly ready: ReadyState;
  /**
   * Loads another model (the current one is freed first) in the same worker, keeping its onnxruntime (no
   * runtime download or compile), unless the new model's plan needs another runtime build or thread
   * count: then in a fresh worker, which replaces this one once ready. On failure the error is thrown and
   * the worker stays alive with no model: switch again to recover.
   */
  switchModel(options: Omit<CreateRerankerOptions, 'signal'>): Promise<ReadyState>;
  /** The current state: it changes if WebGPU fails later and the reranker moves to WASM. */
  state(): Promise<ReadyState>;
  rank(query: string, documents: string[], options?: RankOptions): Promise<RankedDocument[]>;
  /**
   * The ranking with cache hits, the budget's plan and unscored documents; with `onPartial`, the ranking
   * so far after every model run (none arrive after the returned promise settles).
   */
  rankDetailed(query: string, documents: string[], options?: DetailedRankOptions): Promise<RankReport>;
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
  return isPath && typeof location !== 'undefined'
    ? { ...options, model: new URL(options.model, location.href).href }
    : options;
}

/** A load as the worker receives it: the public options and the client's own fields (never the app's). */
type LoadRequest = Omit<CreateRerankerOptions, 'signal'> & WorkerLoadRequest;

/** One worker, its Comlink proxy, and the watch on its life. */
interface Connection {
  workerProxy: Comlink.Remote<RerankerWorkerApi>;
  lifeline: WorkerLifeline;
}

/**
 * Starts a worker and loads `request` in it. A worker whose thread stopped while it loaded gets one fresh
 * try (Firefox 153 held one now and then, right after onnxruntime's loader was imported, before its wasm
 * was fetched: docs/browser.md), named in the fallbacks of the request it answers with.
 */
async function connect(
  request: LoadRequest,
  partials: PartialRouter,
  signal?: AbortSignal,
): Promise<{ connection: Connection; ready: ReadyState; request: LoadRequest }> {
  try {
    return { ...(await startWorker(request, partials, signal)), request };
  } catch (error) {
    if (!isStoppedAnswering(error)) throw error;
    const failed: ReadyState['fallbacks'][number] = {
      backend: request.device === 'webgpu' ? 'webgpu' : 'wasm',
      dtype: request.dtype ?? 'q8',
      error: (error as Error).message,
    };
    const retry = {
      ...request,
      simulateWorkerFault: undefined,
      priorFallbacks: [...(request.priorFallbacks ?? []), failed],
    };
    return { ...(await startWorker(retry, partials, signal)), request: retry };
  }
}

/** Starts a worker and loads a model in it; on any failure the worker is terminated and the error thrown. */
async function startWorker(
  request: LoadRequest,
  partials: PartialRouter,
  signal?: AbortSignal,
): Promise<{ connection: Connection; ready: ReadyState }> {
  const { onProgress, loadStallMs, ...loadOptions } = request;
  const stallMs = positiveInteger('loadStallMs', loadStallMs, 300_000);
  if (loadOptions.browserCache !== false && !loadOptions.files) holdModelCache();
  const worker = new Worker(new URL('../worker/reranker.worker.ts', import.meta.url), {
    type: 'module',
    name: 'reranker',
  });
  const lifeline = new WorkerLifeline(worker);
  partials.attach(worker);
  const workerProxy = Comlink.wrap<RerankerWorkerApi>(worker);
  // Whatever hangs below (a stalled download, a runtime that never answers) ends here, typed.
  let stall: ReturnType<typeof setTimeout> | undefined;
  const progressed = () => {
    clearTimeout(stall);
    stall = setTimeout(() => lifeline.end(new LoadStalledError(`loading made no progress for ${stallMs} ms`)), stallMs);
  };
  try {
    if (signal?.aborted) throw new AbortedError('loading was cancelled');
    // Terminating is the only way to stop a download or a session build inside the worker.
    signal?.addEventListener('abort', () => lifeline.end(new AbortedError('loading was cancelled')), { once: true });
    progressed();
    await lifeline.watch((name) => workerProxy.holdLifeline(name));
    const heartbeat = new MessageChannel();
    await lifeline.race(workerProxy.startHeartbeat(Comlink.transfer(heartbeat.port2, [heartbeat.port2])));
    lifeline.listen(heartbeat.port1);
    const report = (event: ProgressEvent) => {
      progressed();
      onProgress?.(event);
    };
    // Watched by the heartbeat: the worker announces how long parsing and building may hold its thread.
    const outcome = await lifeline.answer<LoadOutcome>(workerProxy.load(loadOptions, Comlink.proxy(report)));
    // A new worker has no runtime yet, so it never asks for another worker.
    if (!('ready' in outcome)) throw new RerankerError('MODEL_LOAD_FAILED', outcome.freshWorker);
    return { connection: { workerProxy, lifeline }, ready: outcome.ready };
  } catch (error) {
    lifeline.end(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    clearTimeout(stall);
  }
}

const codeOf = (error: unknown) => (error instanceof RerankerError ? error.code : undefined);

/** A switch the worker's onnxruntime cannot run (another build or thread count): it goes to a new worker. */
class FreshWorkerNeeded extends Error {
  constructor(readonly request: LoadRequest) {
    super('the model switch needs a fresh worker');
  }
}

/**
 * With `model`, `endpoint` and `placement: 'auto'`: here or on the edge service, whichever pays off on
 * this device (placement.ts), said in `ready.placement` and in every report.
 */
export function createReranker(options: PlacedRerankerOptions): Promise<PlacedReranker>;
/** With `endpoint`, the same API backed by the edge rerank service (no worker, no model download). */
export function createReranker(options: RemoteRerankerOptions): Promise<RemoteReranker>;
export function createReranker(options: CreateRerankerOptions): Promise<BrowserReranker>;
export async function createReranker(
  options: (CreateRerankerOptions & WorkerLoadRequest) | RemoteRerankerOptions | PlacedRerankerOptions,
): Promise<BrowserReranker | RemoteReranker | PlacedReranker> {
  if (typeof options === 'object' && options !== null && 'placement' in options && options.placement === 'auto')
    return createPlacedReranker(options as PlacedRerankerOptions, {
      cachedConfig: cachedConfigInBrowser,
      createLocal: (local) => createReranker(local),
      createEdge: createRemoteReranker,
    });
  if (typeof options === 'object' && options !== null && 'endpoint' in options) return createRemoteReranker(options);
  installErrorTransfer();
  const { signal, ...first } = resolveModelPath(checkLoadArguments(options, 'createReranker'));
  const partials = new PartialRouter();
  let { connection, ready, request: loaded } = await connect(first, partials, signal);
  /** Why calls can no longer run here: disposed, or a replacement worker that failed to load. */
  let closed: Error | null = null;
  /** Stops a replacement worker that is still loading when dispose() comes. */
  const disposing = new AbortController();

  /** Replaces the worker with a fresh one loading the current model (WASM after a lost backend). */
  const replaceWorker = async (request: LoadRequest): Promise<void> => {
    connection.lifeline.end(new AbortedError('the worker was replaced'));
    try {
      ({ connection, ready, request: loaded } = await connect(request, partials, disposing.signal));
    } catch (error) {
      closed ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    (api as { ready: ReadyState }).ready = ready;
    restartAfterCrash(connection);
  };

  /**
   * Loads a switched-to model in a new worker; the current one (its model already freed) is ended only
   * once the new one is ready, so a failed switch leaves a live worker, as a failed switch in place does.
   */
  const switchWorker = async (request: LoadRequest): Promise<ReadyState> => {
    const next = await connect(request, partials, disposing.signal);
    const previous = connection;
    ({ connection, ready, request: loaded } = next);
    (api as { ready: ReadyState }).ready = ready;
    restartAfterCrash(connection);
    previous.lifeline.end(new AbortedError('the worker was replaced'));
    return ready;
  };

  /** A replacement started after a call failed or the worker died; the next call waits for it. */
  let replacing: Promise<void> | null = null;
  const startReplacing = () => {
    replacing ??= replaceWorker({ ...loaded, simulateWorkerFault: undefined })
      .catch(() => undefined)
      .finally(() => (replacing = null));
  };

  /**
   * A worker that dies (killed for memory, terminated, an uncaught error) fails every call made before
   * its death at once, through the lifeline; the calls made after it go to a fresh worker, started now.
   * A replacement that fails to load closes the reranker with that error, so a model that kills every
   * worker does not restart forever.
   */
  function restartAfterCrash(watched: Connection): void {
    watched.lifeline.gone.catch((reason: unknown) => {
      if (reason instanceof WorkerCrashedError && !closed && connection === watched) startReplacing();
    });
  }
  restartAfterCrash(connection);

  let nextRequestId = 1;
  /** Calls run one after another, in the order they were made. */
  let queue: Promise<unknown> = Promise.resolve();

  /** `kind` 'load' (switchModel): building a session holds the worker's thread as long as it takes, unwatched. */
  const call = <T>(
    signal: AbortSignal | undefined,
    work: (workerProxy: Connection['workerProxy'], requestId: number) => Promise<T>,
    kind: 'run' | 'load' = 'run',
  ): Promise<T> => {
    const gone = closed ?? (replacing ? null : connection.lifeline.ended);
    if (gone) return Promise.reject(gone);
    const requestId = nextRequestId++;
    /** The worker this call was made against: if that one dies, the call fails with it, queued or not. */
    const madeOn = replacing ? null : connection;
    const attempt = async () => {
      if (madeOn?.lifeline.ended instanceof WorkerCrashedError) throw madeOn.lifeline.ended;
      await replacing;
      // A call queued behind one that was running when the worker ended must not reach the dead worker.
      const { workerProxy, lifeline } = connection;
      if (madeOn?.lifeline.ended instanceof WorkerCrashedError) throw madeOn.lifeline.ended;
      if (closed ?? lifeline.ended) throw closed ?? lifeline.ended;
      if (signal?.aborted) throw new AbortedError();
      const onAbort = () => void workerProxy.cancel(requestId).catch(() => undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const answer = work(workerProxy, requestId);
        return await (kind === 'run' ? lifeline.answer(answer) : lifeline.race(answer));
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    };
    const run = async () => {
      try {
        return await attempt();
      } catch (error) {
        // Outside the old worker's lifeline race: ending that worker must not fail this call.
        if (error instanceof FreshWorkerNeeded) return (await switchWorker(error.request)) as T;
        if (codeOf(error) === 'BACKEND_LOST') {
          // The worker's runtime broke (WebGPU failed or lost its device, a run outlived its bound):
          // rebuild on WASM in a new worker and retry there once.
          const failed = ready;
          const fallback = { backend: failed.backend, dtype: failed.dtype, error: (error as Error).message };
          await replaceWorker({
            ...loaded,
            device: 'wasm',
            simulateWebGpuFailure: undefined,
            priorFallbacks: [...failed.fallbacks, fallback],
          });
          return await attempt();
        }
        if (codeOf(error) === 'OUT_OF_MEMORY') {
          // The runtime's heap is spent and its session unusable: later calls get a fresh worker. This
          // call's caller hears at once; the replacement loads meanwhile.
          startReplacing();
        }
        throw error;
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

  const api: BrowserReranker = {
    ready,
    switchModel: async (switchOptions) => {
      checkLoadArguments(switchOptions, 'switchModel');
      const request = resolveModelPath(switchOptions);
      // The worker keeps its onnxruntime (no runtime download or compile) when the new plan can run on it.
      return call(
        undefined,
        async (workerProxy) => {
          const { onProgress: progress, loadStallMs: _unbounded, ...next } = request;
          const outcome = await workerProxy.load(next, progress ? Comlink.proxy(progress) : undefined);
          if (!('ready' in outcome)) throw new FreshWorkerNeeded(request);
          loaded = request;
          ready = outcome.ready;
          (api as { ready: ReadyState }).ready = outcome.ready;
          return outcome.ready;
        },
        'load',
      );
    },
    state: async () => {
      await replacing;
      if (closed) throw closed;
      const { workerProxy, lifeline } = connection;
      return (await lifeline.race(workerProxy.readyState())) ?? api.ready;
    },
    // Async: a refused argument rejects the call (never throws), and nothing of it is queued or posted.
    rank: async (query, documents, rankOptions) => {
      const { signal, ...rest } = checkRankArguments(query, documents, rankOptions);
      return call(signal, (workerProxy, id) => workerProxy.rank(id, query, documents, rest));
    },
    rankDetailed: async (query, documents, rankOptions) => {
      const { signal, onPartial, ...rest } = checkRankArguments(query, documents, rankOptions);
      return call(signal, (workerProxy, id) => {
        const stop = onPartial && partials.expect(id, onPartial);
        return workerProxy.rankDetailed(id, query, documents, rest, onPartial !== undefined).finally(() => stop?.());
      });
    },
    score: async (pairs, scoreOptions) => {
      const { signal, ...rest } = checkScoreArguments(pairs, scoreOptions);
      return call(signal, (workerProxy, id) => workerProxy.score(id, pairs, rest));
    },
    dispose: async () => {
      if (closed instanceof AbortedError) return;
      closed = new AbortedError('the reranker was disposed');
      disposing.abort();
      // Terminating frees the session, the wasm heap and the GPU device at once, even mid-run; waiting for
      // a graceful dispose would wait for the batch in flight.
      connection.workerProxy[Comlink.releaseProxy]();
      connection.lifeline.end(closed);
    },
  };
  return api;
}
