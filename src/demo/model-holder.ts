/**
 * Holds the one model the demo uses. A load is shared by every search that asks for the same model
 * while it runs: a superseded search stops waiting, but the download goes on for the search that
 * replaced it. Only cancelLoad() (the cancel button) or choosing another model stops a load. The load
 * of another model is handed the loaded one, to switch it in place (keeping its worker and runtime).
 */
export interface Disposable {
  dispose(): Promise<void>;
}

/**
 * Loads a model. `previous` is the model loaded before (null if none, or if its load failed or was
 * stopped): the loader may return it switched to the new model; otherwise the holder disposes it once
 * the load settles (a loader may dispose it sooner, to free its memory first).
 */
export type Loader<M> = (signal: AbortSignal, previous: M | null) => Promise<M>;

function abortError(): Error {
  return Object.assign(new Error('cancelled'), { name: 'AbortError' });
}

/** Waits for `promise` unless `signal` aborts first (the promise itself keeps running). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export class ModelHolder<M extends Disposable> {
  private key = '';
  private model: Promise<M> | null = null;
  private loading: AbortController | null = null;

  /** The model for `key`, loading it (and disposing another) when needed; `signal` only stops waiting. */
  get(key: string, load: Loader<M>, signal: AbortSignal): Promise<M> {
    if (this.model === null || this.key !== key) this.start(key, load);
    return untilAborted(this.model!, signal);
  }

  /** Stops a load in progress (a loaded model stays). */
  cancelLoad(): void {
    if (!this.loading) return;
    this.loading.abort();
    this.loading = null;
    this.model = null;
    this.key = '';
  }

  private start(key: string, load: Loader<M>): void {
    this.loading?.abort(); // a load still running is stopped, so it is never handed over
    const previous = this.model;
    const controller = new AbortController();
    this.key = key;
    this.loading = controller;
    const model = (async () => {
      const prior = previous && (await previous.catch(() => null));
      // Superseded while the previous load settled: the loader never runs, and what it would own goes.
      if (controller.signal.aborted) {
        void prior?.dispose();
        throw abortError();
      }
      // Whatever the loader did not keep goes (a second dispose of a model is harmless).
      try {
        const next = await load(controller.signal, prior);
        if (prior && next !== prior) void prior.dispose();
        return next;
      } catch (error) {
        void prior?.dispose();
        throw error;
      }
    })();
    this.model = model;
    model.then(
      () => {
        if (this.loading === controller) this.loading = null;
      },
      () => {
        // A failed load is forgotten, so the next search tries again.
        if (this.model === model) {
          this.model = null;
          this.key = '';
          this.loading = null;
        }
      },
    );
  }
}
