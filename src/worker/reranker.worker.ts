/**
 * Module Web Worker that hosts the engine. Chooses the backend (WebGPU or WASM), falls back to WASM when
 * WebGPU fails to build, fails on a run, or loses its device, and exposes a small API through Comlink.
 */
import { AutoConfig } from '@huggingface/transformers';
import * as Comlink from 'comlink';
import { InferenceError, RerankerError } from '../engine/errors.js';
import { errorMessage } from '../errors/error-message.js';
import { Reranker } from '../engine/reranker.js';
import { isAllocationFailure } from '../engine/batch-run.js';
import { runBoundMs, watchRun } from '../engine/run-watchdog.js';
import {
  type ModelShape,
  checkMemoryFit,
  estimateMemory,
  formatBytes,
  memoryAvailable,
  shapeFromConfig,
} from '../engine/memory-fit.js';
import { DEFAULT_BATCH_TOKENS } from '../engine/reranker.js';
import { positiveInteger } from '../engine/validation.js';
import type { DetailedRankOptions, RankOptions, RankReport, RankedDocument, ScoreOptions } from '../engine/types.js';
import { type BackendChoice, planBackends } from './backend-plan.js';
import { installErrorTransfer } from './error-transfer.js';
import { WorkerHeartbeat, loadSilenceBoundMs } from './heartbeat.js';
import { probeCapabilities } from './probe.js';
import { workerModelFiles } from './model-file-source.js';
import { captureProviderLog, nodePlacement } from './provider-log.js';
import type { LoadOutcome, PartialMessage, ProgressEvent, ReadyState, WorkerLoadRequest } from './protocol.js';
import { runtimeBuildFor, runtimeMismatch } from './runtime-build.js';
import { type WorkerFault, holdThread, strikeFault } from './simulated-faults.js';
import { traceLoadSteps, traceStep } from './load-trace.js';
import {
  configureModelSource,
  configureRuntime,
  preloadRuntimeLoader,
  runtimeFilesError,
  startedRuntime,
  watchRuntimeDownload,
  webGpuDevice,
} from './runtime-env.js';

installErrorTransfer();

type SerializableRankOptions = Omit<RankOptions, 'signal'>;

/** How progress events name onnxruntime's wasm. */
const RUNTIME_FILE_LABEL = 'onnxruntime-web (wasm)';

class RerankerHost {
  private reranker: Reranker | null = null;
  private state: ReadyState | null = null;
  private plan: BackendChoice[] = [];
  private options: WorkerLoadRequest | null = null;
  /** The model's sizes from config.json, for the memory fit; null for an architecture we cannot read. */
  private shape: ModelShape | null = null;
  private memoryLimitBytes: number | undefined;
  /** The default batchTokens when the planned one does not fit memory (a call's own batchTokens wins). */
  private batchTokensCap: number | undefined;
  /** The id transformers.js knows the model by, once configureModelSource has pointed it at the source. */
  private modelId = '';
  private onProgress: ((event: ProgressEvent) => void) | undefined;
  /**
   * Aborted, with the reason in words, once this worker's runtime can run nothing more: its GPU device
   * was lost, or a run outlived its bound (the abandoned run still holds onnxruntime, which runs one
   * session at a time). Only a fresh worker runs again: see backendLost.
   */
  private runtime = new AbortController();
  private simulatedRunFailurePending = false;
  /** Test hook ('lose-device'): destroy the GPU device under the next model run. */
  private loseDeviceUnderNextRun = false;
  /** @internal Test seam: how this worker stops while the next rank waits on it (simulated-faults.ts). */
  private faultAtNextRank: WorkerFault | undefined;
  private heartbeat: WorkerHeartbeat | null = null;
  private readonly running = new Map<number, AbortController>();

  /**
   * Loads a model; a worker that already runs onnxruntime keeps it (no runtime download, no compile)
   * unless the new plan needs another build or thread count: then it answers `freshWorker` and loads
   * nothing, and the client loads the model in a new worker.
   */
  async load(options: WorkerLoadRequest, onProgress?: (event: ProgressEvent) => void): Promise<LoadOutcome> {
    await this.dispose();
    this.options = options;
    this.onProgress = onProgress;
    this.modelId = configureModelSource(options.model, options.remoteHost, options.files).modelId;
    // Independent: the adapter probe and the config (for the largest tensor and the memory fit) are awaited together.
    const [capabilities, config] = await Promise.all([probeCapabilities(), this.readConfig(options.revision)]);
    const largestTensorBytes = config
      ? Number(config['vocab_size'] ?? 0) * Number(config['hidden_size'] ?? 0) * 4
      : undefined;
    this.plan = planBackends(capabilities, {
      device: options.device,
      dtype: options.dtype,
      threads: options.threads,
      largestTensorBytes,
    });
    this.shape = config && shapeFromConfig(config);
    this.memoryLimitBytes =
      options.memoryLimitBytes === undefined
        ? undefined
        : positiveInteger('memoryLimitBytes', options.memoryLimitBytes, 1);
    this.simulatedRunFailurePending = ['run', 'lose-device', 'lose-device-ahead'].includes(
      options.simulateWebGpuFailure ?? '',
    );
    this.faultAtNextRank = options.simulateWorkerFault === 'stuck-loading' ? undefined : options.simulateWorkerFault;
    if (options.traceLoad) traceLoadSteps();
    const running = startedRuntime();
    const mismatch = running && runtimeMismatch(running, this.plan);
    if (mismatch) return { freshWorker: mismatch };
    return { ready: await this.buildFromPlan([...(options.priorFallbacks ?? [])]) };
  }

  /** config.json (nothing else is downloaded yet); null when it cannot be read. */
  private async readConfig(revision: string | undefined): Promise<Record<string, unknown> | null> {
    try {
      return (await AutoConfig.from_pretrained(this.modelId, { revision })) as unknown as Record<string, unknown>;
    } catch {
      return null; // Reranker.load reports the missing or broken config.json with a typed error.
    }
  }

  /**
   * Refuses a model that cannot fit before any of its weights are downloaded (OutOfMemoryError naming
   * the estimate and a smaller choice). Checked per planned backend: WASM is bounded by its 4 GiB.
   */
  private checkMemory(choice: BackendChoice): string {
    this.batchTokensCap = undefined;
    if (!this.shape) return ''; // an unknown architecture: nothing to estimate from
    const memory = (performance as { memory?: { jsHeapSizeLimit?: number } }).memory;
    const fit = checkMemoryFit({
      model: this.options!.model,
      shape: this.shape,
      dtype: choice.dtype,
      batchTokens: DEFAULT_BATCH_TOKENS,
      maxLength: Math.min(this.shape.maxPositions, 512),
      available: memoryAvailable({
        limitBytes: this.memoryLimitBytes,
        wasm: choice.device === 'wasm',
        deviceMemoryGb: (navigator as { deviceMemory?: number }).deviceMemory,
        jsHeapSizeLimit: memory?.jsHeapSizeLimit,
      }),
    });
    if (fit.batchTokens >= DEFAULT_BATCH_TOKENS) return '';
    this.batchTokensCap = fit.batchTokens;
    return `; batches of at most ${fit.batchTokens} tokens by default, to fit memory (about ${formatBytes(fit.estimate.peakBytes)})`;
  }

  /** Tries each planned backend in turn; the last failure is thrown with its type. */
  private async buildFromPlan(fallbacks: ReadyState['fallbacks']): Promise<ReadyState> {
    const options = this.options!;
    let lastError: unknown;
    while (this.plan.length > 0) {
      const choice = this.plan.shift()!;
      try {
        await this.build(choice, options);
        this.state = {
          ...this.state!,
          fallbacks: [...fallbacks],
          reason: fallbacks.length
            ? `${this.state!.reason} (after ${fallbacks.map((f) => `${f.backend} failed: ${f.error}`).join('; ')})`
            : this.state!.reason,
        };
        return this.state;
      } catch (error) {
        lastError = error;
        // A bad model is bad on every backend: only backend trouble is worth another try.
        if (
          error instanceof RerankerError &&
          ['MODEL_FILE_MISSING', 'MODEL_FILE_CORRUPT', 'UNSUPPORTED_MODEL', 'MODEL_MISMATCH', 'INVALID_INPUT'].includes(
            error.code,
          )
        )
          throw error;
        fallbacks.push({ backend: choice.device, dtype: choice.dtype, error: errorMessage(error) });
      }
    }
    throw lastError;
  }

  private async build(choice: BackendChoice, options: WorkerLoadRequest): Promise<void> {
    const memoryNote = this.checkMemory(choice);
    // Until a session starts onnxruntime, its build is still open: WASM-only (half the bytes) when
    // nothing left in the plan needs WebGPU.
    configureRuntime(choice.threads, options.browserCache ?? true, runtimeBuildFor([choice, ...this.plan]));
    preloadRuntimeLoader();
    const runtime = (this.runtime = new AbortController());
    if (choice.device === 'webgpu' && options.simulateWebGpuFailure === 'create') {
      throw new RerankerError('MODEL_LOAD_FAILED', 'simulated WebGPU failure while creating the session');
    }
    let compiling = false;
    const compile = () => {
      if (compiling) return;
      compiling = true;
      this.onProgress?.({ phase: 'compile', backend: choice.device });
    };
    watchRuntimeDownload({
      progress: (loaded, total) => this.onProgress?.({ phase: 'runtime', file: RUNTIME_FILE_LABEL, loaded, total }),
      done: compile,
    });
    traceStep(`building the session (${choice.device}, ${choice.threads} thread(s))`);
    // Parsing the tokenizer and building the session hold the thread: the page hears how long they may.
    const silenceBoundMs = loadSilenceBoundMs(
      this.shape ? estimateMemory(this.shape, choice.dtype, 1, 1).weightsBytes : undefined,
    );
    const loadSession = () =>
      Reranker.load(
        {
          ...options,
          model: this.modelId,
          remoteHost: undefined, // configureModelSource has set it; the engine must not replace it
          device: choice.device,
          dtype: choice.dtype,
          onProgress: (p) => this.onProgress?.({ phase: 'download', ...p }),
        },
        { openModelFile: workerModelFiles(this.modelId, options.revision) },
      ).catch((error: unknown) => {
        throw runtimeFilesError(error) ?? error;
      });
    const { result: reranker, lines } = await captureProviderLog(() =>
      this.heartbeat
        ? this.heartbeat.during(silenceBoundMs, async () => {
            if (options.simulateWorkerFault === 'stuck-loading') holdThread();
            return loadSession();
          })
        : loadSession(),
    );
    const placement = nodePlacement(lines);
    compile(); // the runtime was already in this worker: no download to end, the session is built
    const placed = Object.entries(placement)
      .map(([provider, count]) => `${count} nodes on ${provider}`)
      .join(', ');
    let verified = `onnxruntime placed ${placed || 'nodes (no placement log)'}; ${choice.threads} WASM thread(s)`;
    if (choice.device === 'webgpu') {
      const device = webGpuDevice();
      // Asked for WebGPU is not enough: onnxruntime must have put the graph's work on it.
      if (!device || !(placement['WebGpuExecutionProvider'] ?? placement['JsExecutionProvider'])) {
        await reranker.dispose();
        throw new RerankerError(
          'MODEL_LOAD_FAILED',
          `WebGPU was requested but onnxruntime placed ${placed || 'no nodes'} (device ${device ? 'created' : 'missing'})`,
        );
      }
      verified = `onnxruntime placed ${placed}`;
      void device.lost?.then((info) =>
        runtime.abort(`the WebGPU device was lost: ${(info as { message?: string })?.message || 'no reason given'}`),
      );
    }
    // Every model run, the warm-up's too, is bounded by the cost model's prediction, ends with the device,
    // and none starts once the runtime is gone (a run queued behind the one that lost the device).
    // The page hears of each run before it starts: a synchronous WASM run silences the heartbeat.
    reranker.guardRuns((start, predictedMs) => {
      const watch = () => {
        const watched = watchRun(start, predictedMs, {
          lost: runtime.signal,
          abandoned: (reason) => runtime.abort(reason),
        });
        if (this.loseDeviceUnderNextRun) {
          this.loseDeviceUnderNextRun = false;
          (webGpuDevice() as { destroy?(): void } | undefined)?.destroy?.(); // as after a driver reset mid-run
        }
        if (choice.device === 'webgpu') {
          // A failed WebGPU run may be the device going, and its `lost` can settle after the failure: the
          // next run (the calibration's next, or a call queued behind it) must not start on that device.
          watched.catch((error: unknown) => {
            if (!isAllocationFailure(error)) runtime.abort(`a WebGPU run failed: ${errorMessage(error)}`);
          });
        }
        return watched;
      };
      return this.heartbeat ? this.heartbeat.during(runBoundMs(predictedMs), watch) : watch();
    });
    this.onProgress?.({ phase: 'warm-up', backend: choice.device });
    await reranker.rank('warm-up', ['warm-up']); // compiles kernels/shaders before the first real call
    this.reranker = reranker;
    this.state = {
      backend: choice.device,
      dtype: choice.dtype,
      threads: choice.threads,
      model: options.model,
      architecture: reranker.info.architecture,
      maxLength: reranker.info.maxLength,
      reason: choice.reason + memoryNote,
      fallbacks: [],
      verified,
      nodePlacement: placement,
      ...(reranker.info.generatedBy ? { generatedBy: reranker.info.generatedBy } : {}),
    };
    this.onProgress?.({ phase: 'ready', backend: choice.device });
    // The latency budget's cost model learns this model on this backend from a few small runs. Queued
    // behind nothing and ahead of the first call, after ready, so it never delays the page's start; a
    // failure here shows again (and falls back) on the first real call.
    void reranker.calibrate().catch(() => undefined);
  }

  /**
   * Holds the Web Lock `name` until this worker's context ends, so the page learns of a death that fires
   * no event (see client/worker-lifeline.ts). Resolves true once held, false without the Web Locks API.
   */
  holdLifeline(name: string): Promise<boolean> {
    const locks = (navigator as { locks?: LockManager }).locks;
    if (!locks) return Promise.resolve(false);
    return new Promise((held) => void locks.request(name, () => (held(true), new Promise<never>(() => undefined))));
  }

  /** Beats on `port` for this worker's life (see heartbeat.ts); the page watches it while calls wait. */
  startHeartbeat(port: MessagePort): void {
    this.heartbeat ??= new WorkerHeartbeat(port);
  }

  readyState(): ReadyState | null {
    return this.state;
  }

  async rank(
    requestId: number,
    query: string,
    documents: string[],
    options: SerializableRankOptions = {},
  ): Promise<RankedDocument[]> {
    if (this.faultAtNextRank) strikeFault(this.faultAtNextRank);
    this.faultAtNextRank = undefined;
    return this.withFallback(requestId, (reranker, signal) =>
      reranker.rank(query, documents, { batchTokens: this.batchTokensCap, ...options, signal }),
    );
  }

  /** With `partials`, each partial ranking is posted on this worker's port, ahead of the answer (PartialMessage). */
  async rankDetailed(
    requestId: number,
    query: string,
    documents: string[],
    options: Omit<DetailedRankOptions, 'signal' | 'onPartial'> = {},
    partials = false,
  ): Promise<RankReport> {
    const post = (report: RankReport) =>
      (globalThis as unknown as Worker).postMessage({ partialOf: requestId, report } satisfies PartialMessage);
    return this.withFallback(requestId, (reranker, signal) =>
      reranker.rankDetailed(query, documents, {
        batchTokens: this.batchTokensCap,
        ...options,
        signal,
        ...(partials ? { onPartial: post } : {}),
      }),
    );
  }

  async score(
    requestId: number,
    pairs: Array<[string, string]>,
    options: Omit<ScoreOptions, 'signal'> = {},
  ): Promise<number[]> {
    return this.withFallback(requestId, (reranker, signal) =>
      reranker.score(pairs, { batchTokens: this.batchTokensCap, ...options, signal }),
    );
  }

  cancel(requestId: number): void {
    this.running.get(requestId)?.abort();
  }

  /**
   * Runs a call. If WebGPU fails on it, or this worker's runtime is gone (device lost, a run past its
   * bound), it rejects with BACKEND_LOST: the client rebuilds on WASM in a fresh worker and retries once.
   */
  private async withFallback<T>(
    requestId: number,
    call: (reranker: Reranker, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (!this.reranker || !this.state) throw new RerankerError('DISPOSED', 'no model is loaded: call load() first');
    const { reranker, state } = this;
    const controller = new AbortController();
    this.running.set(requestId, controller);
    try {
      try {
        if (this.runtime.signal.aborted) throw new InferenceError(errorMessage(this.runtime.signal.reason));
        if (state.backend === 'webgpu' && this.simulatedRunFailurePending) {
          this.simulatedRunFailurePending = false;
          const simulated = this.options?.simulateWebGpuFailure;
          // A real loss, under a run in flight (the calibration's, or this call's first).
          if (simulated === 'lose-device') this.loseDeviceUnderNextRun = true;
          else if (simulated === 'lose-device-ahead') {
            // Under a run queued ahead of this call (a calibration), so that this call's runs come after it.
            this.loseDeviceUnderNextRun = true;
            void reranker.calibrate().catch(() => undefined);
          } else throw new InferenceError('simulated WebGPU failure during a run');
        }
        return await call(reranker, controller.signal);
      } catch (error) {
        // A run past its bound or under a lost device still holds onnxruntime (it runs one session at a
        // time), and a lost device leaves its WebGPU state in this wasm instance broken (even a WASM session
        // built here fails on WebGPU buffers). A WebGPU run that failed may be the device going: its `lost`
        // can settle after the run's rejection, and freeing a session on a dying device may never return.
        // So no rebuild here: the client replaces the worker with one on WASM and retries the call there.
        if (this.runtime.signal.aborted) throw this.backendLost(this.state ?? state, error);
        if (error instanceof InferenceError && state.backend === 'webgpu' && !controller.signal.aborted)
          throw this.backendLost(state, error);
        throw error;
      }
    } finally {
      this.running.delete(requestId);
    }
  }

  /**
   * WebGPU failed in a way this worker cannot recover from: the client replaces the worker with one
   * built on WASM (the message is the fallback's reason) and retries the call there.
   */
  private backendLost(failed: ReadyState, cause: unknown): RerankerError {
    this.state = null;
    return new RerankerError('BACKEND_LOST', `${failed.backend} failed during a run: ${errorMessage(cause)}`, {
      cause,
    });
  }

  async dispose(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    const reranker = this.reranker;
    this.reranker = null;
    this.state = null;
    await reranker?.dispose();
  }
}

export type RerankerWorkerApi = RerankerHost;

Comlink.expose(new RerankerHost());
