/**
 * Cross-request batching. Requests put their (query, document) pairs in one bounded queue; a single
 * loop forms model runs from it the way TEI does: a run holds at most `batchTokens` padded tokens
 * (rows x longest row), and rows are length-sorted so each run is padded only to its own longest row.
 *
 * Fairness: every run includes a row of the oldest request, and a run only looks `windowTokens` deep
 * into the queue (oldest requests first), so a request is never overtaken indefinitely by later ones. With `crossRequest: false` the window is the oldest
 * request alone: each request then runs exactly as the engine would batch it on its own.
 *
 * Cancellation: a request that times out or whose client leaves is taken out of the queue at once;
 * its rows not yet started never reach the model (rows already in a running batch finish with it).
 */
import { OverloadedError, type ServiceError, TimeoutError, UnavailableError, CancelledError } from './errors.js';

/**
 * Runs the model on items (encoded rows for the real model) fitted to `maxLength` tokens; returns one
 * raw logit per item, in order.
 */
export interface ModelRunner<T> {
  run(items: T[], maxLength: number): Promise<number[]>;
}

export interface SchedulerOptions {
  /** Padded tokens (rows x longest row) per model run. */
  batchTokens: number;
  /** Rows per model run at most, whatever their length. */
  maxBatchRows: number;
  /** Share model runs between requests. Off: one request per run (for comparison). */
  crossRequest: boolean;
  /** Pairs queued or running at most; beyond it requests get 429. */
  maxQueuedPairs: number;
  /** How many tokens of the oldest requests one run may choose from. Default 4 x batchTokens. */
  windowTokens?: number;
}

export interface RunStats {
  rows: number;
  requests: number;
  tokens: number;
  paddedTokens: number;
  seconds: number;
}

export interface Submission<T> {
  /** One per document: what the runner takes (an encoded (query, document) row). */
  items: T[];
  /** Tokens of each item as the model will see it. */
  lengths: number[];
  /** Token limit the rows were fitted to; runs never mix different limits. */
  maxLength: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called once, when the first of the request's rows enters a model run (the end of its queue wait). */
  onFirstRun?: () => void;
}

interface Job<T> extends Submission<T> {
  logits: Float64Array;
  /** Documents not yet given to a model run. */
  pending: Set<number>;
  /** Rows given to a model run whose logits have not come back. */
  running: number;
  /** Some row of it has entered a model run. */
  started: boolean;
  settled: boolean;
  resolve(logits: number[]): void;
  reject(error: unknown): void;
  cleanup(): void;
}

interface Row<T> {
  job: Job<T>;
  doc: number;
  length: number;
  order: number;
}

export class Scheduler<T> {
  private readonly jobs: Array<Job<T>> = [];
  private queuedPairs = 0;
  /** Requests submitted and not yet answered (queued or in a run). */
  private activeRequests = 0;
  private pumping = false;
  private pumpScheduled = false;
  private accepting = true;
  private idleWaiters: Array<() => void> = [];
  /** Moving average of model throughput, for Retry-After. */
  private tokensPerSecondAverage = 0;
  private readonly windowTokens: number;

  constructor(
    private readonly runner: ModelRunner<T>,
    private readonly options: SchedulerOptions,
    private readonly onRun: (stats: RunStats) => void = () => {},
    private readonly onDrop: (pairs: number, reason: string) => void = () => {},
  ) {
    this.windowTokens = options.windowTokens ?? options.batchTokens * 4;
  }

  get pairsQueued(): number {
    return this.queuedPairs;
  }
  get requestsQueued(): number {
    return this.activeRequests;
  }
  get tokensPerSecond(): number {
    return this.tokensPerSecondAverage;
  }

  /** Raw logits, one per document in input order. Rejects with a ServiceError on overload, timeout or cancel. */
  submit(submission: Submission<T>): Promise<number[]> {
    if (!this.accepting) return Promise.reject(new UnavailableError('the server is shutting down'));
    const n = submission.items.length;
    if (n === 0) return Promise.resolve([]);
    if (this.queuedPairs + n > this.options.maxQueuedPairs) {
      return Promise.reject(
        new OverloadedError(
          `the queue is full (${this.queuedPairs} pairs waiting, limit ${this.options.maxQueuedPairs})`,
          this.retryAfterSeconds(),
        ),
      );
    }
    if (submission.signal?.aborted) return Promise.reject(new CancelledError());

    return new Promise<number[]>((resolve, reject) => {
      const job: Job<T> = {
        ...submission,
        logits: new Float64Array(n),
        pending: new Set(submission.items.keys()),
        running: 0,
        started: false,
        settled: false,
        resolve,
        reject,
        cleanup: () => {},
      };
      const onAbort = () => this.cancel(job, new CancelledError(), 'client_closed');
      submission.signal?.addEventListener('abort', onAbort, { once: true });
      const timer =
        submission.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => this.cancel(job, new TimeoutError(submission.timeoutMs!), 'timeout'),
              submission.timeoutMs,
            );
      job.cleanup = () => {
        submission.signal?.removeEventListener('abort', onAbort);
        if (timer !== undefined) clearTimeout(timer);
      };
      this.jobs.push(job);
      this.queuedPairs += n;
      this.activeRequests++;
      this.schedulePump();
    });
  }

  /** New submissions get 503 from now on; queued ones still run. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Rejects every request not yet answered with `error` (the drain deadline passed); pairs already running finish unseen. */
  cancelAll(error: ServiceError, reason: string): void {
    for (const job of [...this.jobs]) this.cancel(job, error, reason);
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queuedPairs === 0 && !this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds a new request would wait for the queue to clear, from measured throughput (1 to 60). */
  retryAfterSeconds(): number {
    if (this.tokensPerSecondAverage <= 0) return 1;
    let tokens = 0;
    for (const job of this.jobs) for (const doc of job.pending) tokens += job.lengths[doc]!;
    return Math.min(60, Math.max(1, Math.ceil(tokens / this.tokensPerSecondAverage)));
  }

  // ---- internals -------------------------------------------------------------------------------

  private cancel(job: Job<T>, error: ServiceError, reason: string): void {
    if (job.settled) return;
    const dropped = job.pending.size;
    this.queuedPairs -= dropped;
    job.pending.clear();
    this.removeIfDone(job);
    if (dropped > 0) this.onDrop(dropped, reason);
    this.settle(job, () => job.reject(error));
  }

  private settle(job: Job<T>, action: () => void): void {
    if (job.settled) return;
    job.settled = true;
    this.activeRequests--;
    job.cleanup();
    action();
  }

  private removeIfDone(job: Job<T>): void {
    if (job.pending.size > 0) return;
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }

  /** A timer, not a microtask: requests whose bodies arrive in the same moment can join the first run. */
  private schedulePump(): void {
    if (this.pumping || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setTimeout(() => {
      this.pumpScheduled = false;
      void this.pump();
    }, 0);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.jobs.length > 0) await this.step();
    } finally {
      this.pumping = false;
      if (this.queuedPairs === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Candidates for the next run: the oldest requests' rows with the same token limit, up to the window. */
  private candidates(): Array<Row<T>> {
    const first = this.jobs[0]!;
    const rows: Array<Row<T>> = [];
    let tokens = 0;
    let order = 0;
    for (const job of this.options.crossRequest ? this.jobs : [first]) {
      if (job.maxLength !== first.maxLength) continue;
      for (const doc of job.pending) {
        rows.push({ job, doc, length: job.lengths[doc]!, order: order++ });
        tokens += job.lengths[doc]!;
      }
      if (tokens >= this.windowTokens) break;
    }
    return rows;
  }

  /**
   * One model run. It is anchored on the oldest request's longest waiting row, so the oldest request
   * always advances (no starvation); the rest of the run is filled with the longest candidates that do
   * not widen it, as many as the padded-token budget allows.
   */
  private async step(): Promise<void> {
    const candidates = this.candidates().sort((a, b) => b.length - a.length || a.order - b.order);
    const oldest = this.jobs[0]!;
    const anchor = candidates.find((row) => row.job === oldest)!;
    const width = anchor.length;
    const room = Math.max(1, Math.min(this.options.maxBatchRows, Math.floor(this.options.batchTokens / width)));
    const batch = [anchor, ...candidates.filter((row) => row !== anchor && row.length <= width).slice(0, room - 1)];
    const maxLength = batch[0]!.job.maxLength;
    const jobs = new Set<Job<T>>();
    for (const row of batch) {
      row.job.pending.delete(row.doc);
      row.job.running++;
      jobs.add(row.job);
    }
    for (const job of jobs) {
      this.removeIfDone(job);
      if (!job.started) {
        job.started = true;
        job.onFirstRun?.();
      }
    }

    const started = performance.now();
    let logits: number[] | undefined;
    let failure: unknown;
    try {
      logits = await this.runner.run(
        batch.map((r) => r.job.items[r.doc]!),
        maxLength,
      );
      if (logits.length !== batch.length)
        throw new Error(`the model returned ${logits.length} logits for ${batch.length} rows`);
    } catch (error) {
      failure = error;
    }
    const seconds = (performance.now() - started) / 1000;
    const tokens = batch.reduce((sum, r) => sum + r.length, 0);
    // Rows left `pending` when the batch was formed, so a cancel since then did not count them off.
    this.queuedPairs -= batch.length;
    if (logits) {
      const rate = tokens / Math.max(seconds, 1e-6);
      this.tokensPerSecondAverage =
        this.tokensPerSecondAverage === 0 ? rate : 0.8 * this.tokensPerSecondAverage + 0.2 * rate;
      this.onRun({ rows: batch.length, requests: jobs.size, tokens, paddedTokens: width * batch.length, seconds });
    }
    batch.forEach((row, k) => {
      row.job.running--;
      if (logits) row.job.logits[row.doc] = logits[k]!;
    });
    for (const job of jobs) {
      if (failure !== undefined) {
        this.queuedPairs -= job.pending.size;
        job.pending.clear();
        this.removeIfDone(job);
        this.settle(job, () => job.reject(failure));
      } else if (job.pending.size === 0 && job.running === 0) {
        this.settle(job, () => job.resolve(Array.from(job.logits)));
      }
    }
  }
}
