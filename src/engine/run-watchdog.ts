/**
 * A bound on one model run. A runtime can stop answering without failing: onnxruntime-web's WebGPU run
 * under a GPU device lost mid-run never settles, and every later run waits behind it. The bound comes
 * from the cost model's prediction for the run's shape, times a generous factor (a first run at a new
 * size allocates its buffers, a busy machine runs slower, a prediction from few runs is rough), and
 * never below a floor (shader compilation, an uncalibrated prior, coarse timers).
 */

/** A run may take this many times its predicted time before it counts as stuck. */
export const RUN_BOUND_FACTOR = 20;
/** No run counts as stuck before this many ms. */
export const RUN_BOUND_FLOOR_MS = 30_000;

/** The most a run predicted to take `predictedMs` may take. */
export function runBoundMs(predictedMs: number): number {
  return Math.max(RUN_BOUND_FLOOR_MS, RUN_BOUND_FACTOR * (Number.isFinite(predictedMs) ? predictedMs : 0));
}

/**
 * Bounds each model run of an engine (Reranker.guardRuns): gets the run, not yet started (a host may
 * announce it first: a synchronous WASM run holds the worker's thread), and the cost model's prediction
 * for it; starts it, and settles as the run does, or rejects when it will not. A guard may refuse to
 * start the run at all (its runtime is already gone).
 */
export type RunGuard = <T>(start: () => Promise<T>, predictedMs: number) => Promise<T>;

/** Why a watched run was given up: its bound passed, or the runtime under it is gone. */
export type RunAbandoned = (reason: string) => void;

/**
 * The run `start` begins, or a rejection when it outlives runBoundMs(predictedMs) or `lost` aborts first
 * (the runtime under it is gone, e.g. its GPU device: the run cannot finish then). `abandoned` hears why
 * before the rejection, so that the host can retire the runtime: the abandoned run still holds it.
 * Once `lost` has aborted, no run is started: onnxruntime-web's WebGPU run on a destroyed device can
 * block its thread for good, and then no timer, message or watchdog in that worker runs again.
 */
export function watchRun<T>(
  start: () => Promise<T>,
  predictedMs: number,
  options: { lost?: AbortSignal | undefined; abandoned: RunAbandoned },
): Promise<T> {
  const { lost, abandoned } = options;
  if (lost?.aborted) {
    const reason = errorText(lost.reason);
    abandoned(reason);
    return Promise.reject(new Error(reason));
  }
  const boundMs = runBoundMs(predictedMs);
  const run = start();
  return new Promise<T>((resolve, reject) => {
    const stopWatching = () => {
      clearTimeout(timer);
      lost?.removeEventListener('abort', onLost);
    };
    const giveUp = (reason: string) => {
      stopWatching();
      abandoned(reason);
      reject(new Error(reason));
    };
    const timer = setTimeout(
      () =>
        giveUp(
          `the model run took more than ${Math.round(boundMs)} ms (predicted ${Math.round(predictedMs)} ms): the runtime stopped answering`,
        ),
      boundMs,
    );
    // Observed even when given up: an abandoned run that fails later is no unhandled rejection.
    run.then(
      (value) => (stopWatching(), resolve(value)),
      (error: unknown) => (stopWatching(), reject(error)),
    );
    // A listener, not a promise reaction: it is removed when the run settles, so runs leave nothing behind.
    const onLost = () => giveUp(errorText(lost?.reason));
    lost?.addEventListener('abort', onLost, { once: true });
  });
}

function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
