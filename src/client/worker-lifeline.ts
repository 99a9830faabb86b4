/**
 * Knows when the reranker's worker can no longer answer, so that no call waits forever on it.
 *
 * A Comlink call to a dead worker is a message nobody reads: its promise never settles. The worker is
 * gone when its script fails to load (404, a JSON error page: an `error` event), when it throws outside
 * any call (`error`), when a message cannot be read (`messageerror`), or when its context ends with no
 * event at all (terminated, killed for memory). For the last case the worker holds a Web Lock for its
 * whole life; the browser releases it when the worker's context ends, and our request for the same lock
 * is then granted. A worker can also stop without ending (Firefox's at its JS heap limit spins in garbage
 * collection): while a call waits on it, its heartbeat (worker/heartbeat.ts) must not fall silent.
 */
import { WorkerCrashedError } from '../engine/errors.js';
import { type Beat, HEARTBEAT_GRACE_MS, HEARTBEAT_INTERVAL_MS } from '../worker/heartbeat.js';

/** The errors a lifeline ended its worker with because its heartbeat fell silent (not a crash event). */
const stoppedAnswering = new WeakSet<Error>();

/** Whether `error` says the worker fell silent while a call waited (see WorkerLifeline.listen). */
export function isStoppedAnswering(error: unknown): boolean {
  return error instanceof Error && stoppedAnswering.has(error);
}

export class WorkerLifeline {
  /** Rejects once, with the reason the worker is gone. */
  readonly gone: Promise<never>;
  private reason: Error | null = null;
  private reject!: (reason: Error) => void;
  /** The heartbeat: when the last beat came, the silence it allowed, and the calls waiting on an answer. */
  private lastBeatAt = 0;
  private silenceMs = 0;
  private waiting = 0;
  private check: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly worker: Worker) {
    this.gone = new Promise<never>((_, reject) => (this.reject = reject));
    this.gone.catch(() => undefined); // every user races it; an unobserved rejection is not an error here
    worker.addEventListener('error', (event) => {
      event.preventDefault?.(); // reported as a typed rejection instead of an uncaught page error
      this.end(new WorkerCrashedError(describeWorkerError(event)));
    });
    worker.addEventListener('messageerror', () =>
      this.end(new WorkerCrashedError('a message from the reranker worker could not be read')),
    );
  }

  /** Why the worker is gone, or null while it lives. */
  get ended(): Error | null {
    return this.reason;
  }

  /**
   * Asks the worker to hold a lock for its lifetime (`hold` resolves once it does), then waits for that
   * lock. Without the Web Locks API (an insecure context) only the events above are seen.
   */
  async watch(hold: (lockName: string) => Promise<boolean>): Promise<void> {
    const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
    if (!locks) return;
    const name = `ko-rerank-worker-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    if (!(await this.race(hold(name)))) return;
    void locks.request(name, () =>
      this.end(
        new WorkerCrashedError('the reranker worker stopped (terminated, or killed by the browser, e.g. for memory)'),
      ),
    );
  }

  /**
   * Listens to the worker's heartbeat on `port`. From then on a call passed through `answer` fails the
   * worker as crashed if it falls silent for longer than its last beat allowed plus `graceMs`.
   */
  listen(port: MessagePort, graceMs = HEARTBEAT_GRACE_MS): void {
    this.lastBeatAt = performance.now();
    port.onmessage = (event: MessageEvent<Beat>) => {
      this.lastBeatAt = performance.now();
      this.silenceMs = event.data.silenceMs;
    };
    let checkedAt = performance.now();
    this.check = setInterval(() => {
      const now = performance.now();
      // A page that was hidden or itself blocked did not see the beats: its own silence counts for nothing.
      const pageWasAway = now - checkedAt > 2 * HEARTBEAT_INTERVAL_MS || globalThis.document?.hidden === true;
      checkedAt = now;
      if (pageWasAway) this.lastBeatAt = Math.max(this.lastBeatAt, now);
      const silentMs = now - this.lastBeatAt;
      if (this.waiting > 0 && silentMs > this.silenceMs + graceMs) {
        const silent = new WorkerCrashedError(
          `the reranker worker stopped answering (silent for ${Math.round(silentMs)} ms while a call waited; out of memory, or stuck)`,
        );
        stoppedAnswering.add(silent);
        this.end(silent);
      }
    }, HEARTBEAT_INTERVAL_MS);
  }

  /** `promise`, watched by the heartbeat while it waits: a call that expects the worker to answer. */
  async answer<T>(promise: Promise<T>): Promise<T> {
    this.waiting++;
    try {
      return await this.race(promise);
    } finally {
      this.waiting--;
    }
  }

  /** `promise`, or the reason the worker died first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.reason ? Promise.reject(this.reason) : Promise.race([promise, this.gone]);
  }

  /** Ends the worker for `reason` (our own dispose, a cancelled load, or a crash); the first reason stays. */
  end(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    clearInterval(this.check);
    this.worker.terminate();
    this.reject(reason);
  }
}

function describeWorkerError(event: Event): string {
  const error = event as ErrorEvent;
  if (typeof error.message === 'string' && error.message) {
    const where = error.filename ? ` (${error.filename}:${error.lineno})` : '';
    return `the reranker worker failed: ${error.message}${where}`;
  }
  // A bare Event: the worker's script, a module it imports, or onnxruntime's wasm or thread workers
  // failed to load (the browser gives no detail; the network panel shows which URL).
  return 'the reranker worker failed to start or to load onnxruntime: a script, module or wasm file it needs did not load (an HTTP error, or not JavaScript/wasm)';
}
