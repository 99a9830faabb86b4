/**
 * The rerank service, programmatic API. `createRerankService` answers at once (503 on /health and the
 * rerank routes until the model is loaded) and loads in the background; `close()` drains it: new
 * requests get 503, queued ones finish, then the model is freed. A graceful drain (node-adapter.ts) goes
 * in steps: `beginDrain()` (unready, still serving), `expire()` at the deadline, then `close()`.
 */
import { errorMessage } from '../errors/error-message.js';
import type { EncodedRow } from '../engine/pair-encoder.js';
import { EngineRunner } from './engine-runner.js';
import { type FetchHandler, type HandlerCore, type ServiceState, createHandler } from './handler.js';
import { serviceMetrics } from './metrics.js';
import { type ResolvedOptions, type ServiceOptions, resolveOptions } from './options.js';
import { UnavailableError } from './errors.js';
import { Scheduler } from './scheduler.js';
import { SERVICE_VERSION } from './version.js';

export interface RerankService {
  /** Web-standard handler: pass it to `serveNode`, or to any runtime that takes (Request) => Response. */
  readonly fetch: FetchHandler;
  /** Resolves when the model is loaded; rejects with the load error (then /health stays 503). */
  readonly ready: Promise<void>;
  readonly options: ResolvedOptions;
  state(): ServiceState;
  /** The loaded model, for callers that want the engine in-process too. */
  model(): EngineRunner | undefined;
  /** Readiness off (/ready 503, /health still 200); requests are still taken and served. */
  beginDrain(): void;
  /** The drain deadline passed: every request not yet answered gets 503 with Retry-After, in its API's shape. */
  expire(): void;
  /** Stops taking requests (503), waits up to `timeoutMs` for queued ones, frees the model. */
  close(timeoutMs?: number): Promise<void>;
}

export function createRerankService(
  serviceOptions: ServiceOptions,
  load: (options: ResolvedOptions) => Promise<EngineRunner> = defaultLoad,
): RerankService {
  const options = resolveOptions(serviceOptions);
  let state: ServiceState = 'loading';
  let runner: EngineRunner | undefined;
  const metrics = serviceMetrics({
    queuedPairs: () => scheduler.pairsQueued,
    queuedRequests: () => scheduler.requestsQueued,
    tokensPerSecond: () => scheduler.tokensPerSecond,
  });
  const modelProxy = { run: (rows: EncodedRow[]) => runner!.run(rows) };
  const scheduler: Scheduler<EncodedRow> = new Scheduler(
    modelProxy,
    {
      batchTokens: options.batchTokens,
      maxBatchRows: options.maxBatchRows,
      crossRequest: options.crossRequestBatching,
      maxQueuedPairs: options.maxQueuedPairs,
    },
    (run) => {
      metrics.batchPairs.observe(run.rows);
      metrics.batchRequests.observe(run.requests);
      metrics.runSeconds.observe(run.seconds);
      metrics.tokens.inc({}, run.tokens);
      metrics.tei.batchNextSize.observe(run.rows);
      metrics.tei.batchNextTokens.observe(run.tokens);
    },
    (pairs, reason) => metrics.droppedPairs.inc({ reason }, pairs),
  );

  const ready = (async () => {
    const started = performance.now();
    try {
      const loaded = await load(options);
      if (state !== 'loading') {
        await loaded.dispose(); // closed while loading
        return;
      }
      runner = loaded;
      state = 'ready';
      options.log({
        time: new Date().toISOString(),
        event: 'ready',
        ms: Math.round(performance.now() - started),
        detail: `${loaded.info.architecture} ${loaded.info.dtype}`,
      });
    } catch (error) {
      if (state === 'loading') state = 'failed';
      options.log({ time: new Date().toISOString(), event: 'load_failed', detail: errorMessage(error) });
      throw error;
    }
  })();
  ready.catch(() => undefined); // observed through `ready` or /health; never an unhandled rejection

  const shutdown = new AbortController();
  const core: HandlerCore = {
    options,
    scheduler,
    metrics,
    state: () => state,
    model: () => runner,
    version: SERVICE_VERSION,
    shutdown: shutdown.signal,
  };
  let closing: Promise<void> | undefined;
  const beginDrain = () => {
    if (state !== 'loading' && state !== 'ready') return;
    state = 'draining';
    options.log({ time: new Date().toISOString(), event: 'draining' });
  };

  return {
    fetch: createHandler(core),
    ready,
    options,
    state: () => state,
    model: () => runner,
    beginDrain,
    expire() {
      if (shutdown.signal.aborted) return;
      scheduler.stopAccepting();
      shutdown.abort();
      scheduler.cancelAll(new UnavailableError('the server is shutting down'), 'shutdown');
    },
    close(timeoutMs = 30_000) {
      closing ??= (async () => {
        beginDrain();
        scheduler.stopAccepting();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          scheduler.idle(),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
        state = 'stopped';
        await runner?.dispose();
        options.log({ time: new Date().toISOString(), event: 'stopped' });
      })();
      return closing;
    },
  };
}

function defaultLoad(options: ResolvedOptions): Promise<EngineRunner> {
  return EngineRunner.load({
    model: options.model,
    dtype: options.dtype,
    device: options.device,
    revision: options.revision,
    remoteHost: options.remoteHost,
  });
}
