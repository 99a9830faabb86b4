/**
 * Test page: exposes the client API to Playwright as `window.rerankerTest`. It uses createReranker
 * exactly as an app would; the test drives it with page.evaluate.
 */
import { type BrowserReranker, type CreateRerankerOptions, createReranker } from '../../../src/client/index.js';
import { timeBudget, timeProgressive } from '../../../bench/progressive-timing.js';
import type { RankReport } from '../../../src/engine/types.js';
import type { ProgressEvent, WorkerLoadRequest } from '../../../src/worker/protocol.js';
import type { BareSessionRequest } from './bare-session.worker.js';
import { monitorFrames } from './frame-monitor.js';
import { LOAD_TRACE_CHANNEL } from '../../../src/worker/load-trace.js';

let reranker: BrowserReranker | null = null;

/** Workers this page has started (every one of them, the client's included), for tests of worker reuse. */
let workersStarted = 0;
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    workersStarted++;
  }
};
const progress: ProgressEvent[] = [];

/** What the page did, with times (ms since it opened): read by the harness when a test waits too long. */
const trace: string[] = [];
function note(line: string): void {
  trace.push(`${Math.round(performance.now())} ${line}`);
  if (trace.length > 120) trace.shift();
}
// The worker's own steps under the traceLoad seam (src/worker/load-trace.ts).
new BroadcastChannel(LOAD_TRACE_CHANNEL).onmessage = (event: MessageEvent<string>) => note(event.data);

let lastNoted = '';
function recordProgress(event: ProgressEvent): void {
  progress.push(event);
  // A file's first and last chunk are enough for the trace.
  const step = `${event.phase} ${'file' in event ? event.file : ''}`;
  const last = 'loaded' in event && event.loaded === event.total;
  if (step !== lastNoted || last) note(`progress ${JSON.stringify(event)}`);
  lastNoted = step;
}
/** Calls started with startRanks, as settled outcomes with the time they settled (performance.now()). */
let started: Array<Promise<{ ok: boolean; error?: ReturnType<typeof describeError>; settledAt: number }>> = [];

function describeError(error: unknown) {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    file?: string;
    cause?: unknown;
    constructor?: { name: string };
    model?: string;
    estimateBytes?: number;
    availableBytes?: number;
    smallerChoice?: string;
  };
  return {
    name: e.name,
    message: e.message,
    code: e.code,
    file: e.file,
    className: e.constructor?.name,
    hasCause: e.cause !== undefined,
    // The memory fit's refusal (OutOfMemoryError)
    model: e.model,
    estimateBytes: e.estimateBytes,
    availableBytes: e.availableBytes,
    smallerChoice: e.smallerChoice,
  };
}

const api = {
  /** Takes the worker's test seams too (simulateWebGpuFailure): they are not in the published options. */
  async load(options: CreateRerankerOptions & WorkerLoadRequest) {
    progress.length = 0;
    await reranker?.dispose();
    try {
      // traceLoad: the worker logs its fetches, which the harness prints for a load that hangs.
      reranker = await createReranker({
        traceLoad: true,
        ...options,
        onProgress: recordProgress,
      } as CreateRerankerOptions);
      return { ok: true as const, ready: reranker.ready };
    } catch (error) {
      reranker = null;
      return { ok: false as const, error: describeError(error) };
    }
  },
  /** Fetches the model files as Blobs first, as if the user had picked them from disk. */
  async loadPicked(baseUrl: string, paths: string[], options: Partial<CreateRerankerOptions> = {}) {
    const files: Record<string, Blob> = {};
    for (const path of paths) files[path] = await (await fetch(`${baseUrl}/${path}`)).blob();
    return api.load({ model: 'picked folder', files, ...options });
  },
  /** Loads another model in the same worker (a new one when the runtime cannot serve it); progress is recorded anew. */
  async switchModel(options: CreateRerankerOptions) {
    progress.length = 0;
    try {
      return {
        ok: true as const,
        ready: await reranker!.switchModel({ ...options, onProgress: recordProgress }),
      };
    } catch (error) {
      return { ok: false as const, error: describeError(error) };
    }
  },
  progress: () => progress,
  workersStarted: () => workersStarted,
  async rank(query: string, documents: string[], options = {}) {
    try {
      return {
        ok: true as const,
        ranked: await reranker!.rank(query, documents, options),
        state: await reranker!.state(),
      };
    } catch (error) {
      return { ok: false as const, error: describeError(error) };
    }
  },
  /** rankDetailed with partials: each partial's scored count and order, the final report, and partials seen after it. */
  async rankProgressively(query: string, documents: string[], options = {}) {
    const partials: Array<{ scored: number; order: number[]; final: boolean }> = [];
    let final: RankReport | null = null;
    let afterFinal = 0;
    try {
      final = await reranker!.rankDetailed(query, documents, {
        ...options,
        onPartial: (p) =>
          final
            ? afterFinal++
            : partials.push({
                scored: p.scored,
                order: [...p.results.map((r) => r.index), ...p.unscored],
                final: p.final,
              }),
      });
    } catch (error) {
      return { ok: false as const, error: describeError(error) };
    }
    // Give any straggling partial message time to arrive: none may be delivered after the result.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { ok: true as const, partials, final, afterFinal };
  },
  async score(pairs: Array<[string, string]>) {
    return reranker!.score(pairs, { activation: 'none' });
  },
  /** Starts a long rank, aborts it after `abortAfterMs`, reports how it ended and whether the page kept painting. */
  async rankAndAbort(query: string, documents: string[], abortAfterMs: number) {
    const controller = new AbortController();
    const monitor = monitorFrames();
    const started = performance.now();
    setTimeout(() => controller.abort(), abortAfterMs);
    const outcome = await reranker!.rank(query, documents, { signal: controller.signal }).then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error: describeError(error) }),
    );
    return { outcome, elapsedMs: performance.now() - started, ...monitor.stop() };
  },
  /** A long rank while counting animation frames: the page must keep painting. */
  async rankWhilePainting(query: string, documents: string[]) {
    const monitor = monitorFrames();
    const started = performance.now();
    await reranker!.rank(query, documents);
    const elapsedMs = performance.now() - started;
    return { elapsedMs, ...monitor.stop() };
  },
  /**
   * Wall-clock milliseconds of `repeats` rank calls, measured in the page (benchmarks). Each repeat asks
   * a slightly different query, so none is answered from the score cache.
   */
  async timeRank(query: string, documents: string[], repeats: number) {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      await reranker!.rank(`${query} ${performance.now()}`, documents);
      times.push(performance.now() - started);
    }
    return times;
  },
  /** Benchmarks: one progressive rank, then the same call again (cached); see bench/progressive-timing.ts. */
  timeProgressive: (query: string, documents: string[]) => timeProgressive(reranker!, query, documents),
  /** Benchmarks: a rank within `budgetMs`, the plan's prediction next to the time it took. */
  timeBudget: (query: string, documents: string[], budgetMs: number) =>
    timeBudget(reranker!, query, documents, budgetMs),
  async dispose() {
    await reranker?.dispose();
    reranker = null;
  },
  /** Benchmarks: createReranker -> ready in a new worker, and when each progress event arrived (ms from the start). */
  async coldStart(options: CreateRerankerOptions) {
    await api.dispose();
    const events: Array<{ event: string; atMs: number }> = [];
    const started = performance.now();
    const loaded = await createReranker({
      ...options,
      onProgress: (e) =>
        events.push({
          event: e.phase === 'download' ? `download ${e.file} ${e.loaded}/${e.total}` : e.phase,
          atMs: performance.now() - started,
        }),
    });
    const ms = performance.now() - started;
    await loaded.dispose();
    return { ms, ready: loaded.ready, events };
  },
  /** Benchmarks, the baseline: a bare worker creates an onnxruntime-web session from the same cached bytes. */
  async bareSession(request: BareSessionRequest) {
    const started = performance.now();
    const worker = new Worker(new URL('./bare-session.worker.ts', import.meta.url), {
      type: 'module',
      name: 'bare-session',
    });
    const result = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
      worker.onmessage = (event: MessageEvent<{ ok: boolean; error?: string }>) => resolve(event.data);
      worker.onerror = (event) => resolve({ ok: false, error: event.message });
      worker.postMessage(request);
    });
    const ms = performance.now() - started;
    worker.terminate();
    return { ms, ...result };
  },
  /** Starts `count` ranks without waiting for them (collect with settled()). */
  startRanks(query: string, documents: string[], count: number, options = {}) {
    const r = reranker!;
    for (let i = 0; i < count; i++) {
      started.push(
        r.rank(query, documents, options).then(
          () => ({ ok: true, settledAt: performance.now() }),
          (error: unknown) => ({ ok: false, error: describeError(error), settledAt: performance.now() }),
        ),
      );
    }
    return performance.now();
  },
  /** Disposes now (without awaiting the started ranks); returns when dispose resolved. */
  async disposeNow() {
    const at = performance.now();
    await reranker!.dispose();
    return at;
  },
  /** The outcomes of the started ranks, once all have settled. */
  async settled() {
    const outcomes = await Promise.all(started);
    started = [];
    return outcomes;
  },
  /** state() and a new rank on the current reranker, as outcomes (after the worker died, both must reject). */
  async afterDeath() {
    const r = reranker!;
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error: describeError(error) }),
      );
    return {
      state: await outcome(r.state()),
      rank: await outcome(r.rank('질문', ['문서'])),
      dispose: await outcome(r.dispose()),
    };
  },
  now: () => performance.now(),
  /**
   * Each call as `reranker[method](...args)` while a long rank holds the worker: how it ended, and
   * whether it ended before that rank (a call that reached the worker would wait behind it).
   */
  async callsWhileBusy(
    query: string,
    busyDocuments: string[],
    calls: ReadonlyArray<{ method: string; args: readonly unknown[] }>,
  ) {
    const r = reranker!;
    let busyDone = false;
    const busy = r.rank(query, busyDocuments).finally(() => (busyDone = true));
    const outcomes = [];
    for (const { method, args } of calls) {
      const invoke = (r as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
      try {
        await invoke(...args);
        outcomes.push({ ok: true as const, beforeBusy: !busyDone });
      } catch (error) {
        outcomes.push({ ok: false as const, error: describeError(error), beforeBusy: !busyDone });
      }
    }
    await busy;
    return outcomes;
  },
};

// Every call is traced: its start and how it settled.
for (const [name, method] of Object.entries(api) as Array<[string, (...args: unknown[]) => unknown]>) {
  (api as Record<string, unknown>)[name] = (...args: unknown[]) => {
    note(`${name} started`);
    const result = method(...args);
    if (result instanceof Promise)
      result.then(
        (value: unknown) => note(`${name} settled${(value as { ok?: boolean })?.ok === false ? ' (ok: false)' : ''}`),
        (error: unknown) => note(`${name} threw ${String(error)}`),
      );
    return result;
  };
}

declare global {
  interface Window {
    rerankerTest: typeof api;
    /** The page's trace (see engines.ts: printed when an evaluate is slow). */
    pageTrace?: () => string;
  }
}
window.rerankerTest = api;
window.pageTrace = () => trace.join('\n');
document.getElementById('status')!.textContent = 'ready';
