/**
 * The worker's heartbeat, so that the page can tell a worker that stopped for good from one that is busy.
 *
 * A worker can stop without dying: at its JS heap limit Firefox's worker spins in garbage collection
 * forever (no error event, its Web Lock still held), and a script that never yields looks the same.
 * The worker beats on a MessagePort every HEARTBEAT_INTERVAL_MS while its event loop turns; before a
 * model run, which may hold the thread (a WASM run is synchronous), it says how long it may stay silent.
 * The page (client/worker-lifeline.ts) ends a worker silent past that and HEARTBEAT_GRACE_MS.
 */

export const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * Silence beyond the announced run that still counts as busy: tokenizing a large call, a garbage
 * collection, a loaded machine. Past it, a call waiting on the worker is failed with WorkerCrashedError.
 */
export const HEARTBEAT_GRACE_MS = 15_000;

/** One beat: the worker may now be silent for `silenceMs` (a model run's bound) plus the grace. */
export interface Beat {
  silenceMs: number;
}

export class WorkerHeartbeat {
  private silenceMs = 0;

  constructor(private readonly port: MessagePort) {
    setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
    this.beat();
  }

  /** Announces a model run that may hold the thread for up to `boundMs`; `during` settles with it. */
  async during<T>(boundMs: number, run: () => Promise<T>): Promise<T> {
    this.silenceMs = boundMs;
    this.beat();
    try {
      return await run();
    } finally {
      this.silenceMs = 0;
      this.beat();
    }
  }

  private beat(): void {
    this.port.postMessage({ silenceMs: this.silenceMs } satisfies Beat);
  }
}

/**
 * How long loading a model may hold the worker's thread at once (parsing the tokenizer, building the
 * session, both synchronous): 10 s and 100 ms per MB of weights (a 568 MB fp32 model: 67 s), 120 s for a
 * model whose size is unknown. Past it and the grace, the page takes the worker for stuck.
 */
export function loadSilenceBoundMs(weightsBytes: number | undefined): number {
  return weightsBytes === undefined ? 120_000 : 10_000 + Math.ceil(weightsBytes / 1e6) * 100;
}
