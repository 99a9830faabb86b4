/**
 * The reranking engine: a cross-encoder loaded with transformers.js, scoring (query, passage) pairs in
 * length-sorted batches. No DOM and no Node APIs, so the same class runs in Node and in a Web Worker.
 */
import {
  AutoConfig,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  type PretrainedConfig,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  Tensor,
} from '@huggingface/transformers';
import { planBudget } from './budget-plan.js';
import { CostModel, type RunShape, calibrationShapes } from './cost-model.js';
import {
  AbortedError,
  InferenceError,
  InvalidInputError,
  ModelLoadError,
  OutOfMemoryError,
  RerankerError,
  errorMessage,
} from './errors.js';
import { DEFAULT_STALL_TIMEOUT_MS } from './guarded-fetch.js';
import { prepareModelSource, throwIfAborted } from './model-source.js';
import { ONNX_FILE_FOR_DTYPE, checkCrossEncoderConfig, loadError } from './model-files.js';
import { type ModelFileOpener, checkModelFits, largestTokenId, localModelFiles } from './model-fit.js';
import { type EncodedRow, PairEncoder } from './pair-encoder.js';
import { buildReport } from './rank-report.js';
import { ScoreCache, type ScoreCacheLimits, type ScoreCacheStats, checkCacheLimits } from './score-cache.js';
import { applyActivation } from './scoring.js';
import { scoringBatches } from './scoring-order.js';
import type { RunGuard } from './run-watchdog.js';
import { runSession } from './session-run.js';
import type {
  DetailedRankOptions,
  Device,
  Dtype,
  LoadOptions,
  LoadProgress,
  LongPassageStrategy,
  RankOptions,
  RankPlan,
  RankReport,
  RankedDocument,
  ScoreOptions,
  TruncationRule,
} from './types.js';
import {
  ACTIVATIONS,
  LONG_PASSAGE_STRATEGIES,
  TRUNCATION_RULES,
  type Limits,
  checkDocuments,
  checkOptions,
  checkPairs,
  checkQuery,
  checkSignal,
  nonEmptyString,
  oneOf,
  optionalFunction,
  positiveInteger,
  positiveNumber,
} from './validation.js';

/** transformers.js reports {status, file, loaded, total}; pass on the byte counts only. */
function progressAdapter(onProgress: (event: LoadProgress) => void) {
  return (info: { status?: string; file?: string; loaded?: number; total?: number }) => {
    if (info.status === 'progress' && typeof info.file === 'string') {
      onProgress({ file: info.file, loaded: info.loaded ?? 0, total: info.total ?? 0 });
    }
  };
}

/** A macrotask boundary: awaiting resolved promises alone never lets a message event in. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const now = () => performance.now();

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8'];

/** A budget never cuts pairs shorter than this many tokens: below it a cross-encoder reads too little. */
const BUDGET_MINIMUM_MAX_LENGTH = 128;

/** How a call's pairs become rows. */
interface PairSettings {
  maxLength: number;
  batchTokens: number;
  strategy: LongPassageStrategy;
  overlap: number;
  truncation: TruncationRule;
}

/** How a call is scored: in first-stage slices or all rows length-sorted, within a budget or not. */
interface PairRun {
  signal?: AbortSignal | undefined;
  progressive: boolean;
  budgetMs?: number | undefined;
  /** now() when the call began running: time spent tokenizing comes out of the budget. */
  started?: number;
  afterRun?: ((partial: ScoredPairs) => void) | undefined;
}

interface ScoredPairs {
  logits: Array<number | undefined>;
  cacheHits: number;
  plan?: RankPlan;
}

/**
 * Largest `batchTokens`: 128 rows of 512 tokens. Attention alone holds rows x heads x L^2 floats, so much
 * larger runs cannot fit WASM's 4 GB heap, and nothing runs faster beyond a few thousand tokens.
 */
export const MAX_BATCH_TOKENS = 65_536;

/**
 * How runtimes report a tensor too big for memory: onnxruntime's std::bad_alloc, its size overflow on
 * wasm32 (a tensor past 4 GB), V8's array buffer failure.
 */
const ALLOCATION_FAILED = /bad_alloc|out of memory|array buffer allocation failed|SafeIntOnOverflow/i;
const DEVICES: readonly Device[] = ['cpu', 'wasm', 'webgpu'];

export interface RerankerInfo {
  model: string;
  dtype: Dtype;
  device: Device;
  /** e.g. XLMRobertaForSequenceClassification */
  architecture: string;
  /** Longest pair the model takes, special tokens included. */
  maxLength: number;
}

/** What a host environment adds to a load (the worker reads model files from its own cache or URL). */
export interface LoadHooks {
  /** Random access to the loaded model's files, for the load-time fit check (default: Node's disk). */
  openModelFile?: ModelFileOpener;
}

export class Reranker {
  private disposed = false;
  /** Pair logits already computed by this model (cleared with it: a new model is a new Reranker). */
  private readonly cache: ScoreCache;
  /** Time per model run on this model and backend, learned from every run; the latency budget plans with it. */
  private readonly cost = new CostModel();
  /** What every model run passes through: as it is, unless a host bounds runs (guardRuns). */
  private guardRun: RunGuard = (run) => run;
  /** Runs one call at a time: sessions are not re-entrant everywhere (in browsers they are serialised anyway). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly info: RerankerInfo,
    private readonly model: PreTrainedModel,
    private readonly encoder: PairEncoder,
    private readonly limits: Limits,
    private readonly takesTokenTypes: boolean,
    cacheLimits: ScoreCacheLimits,
  ) {
    this.cache = new ScoreCache(cacheLimits);
  }

  static async load(options: LoadOptions, hooks: LoadHooks = {}): Promise<Reranker> {
    if (typeof options !== 'object' || options === null)
      throw new InvalidInputError('Reranker.load needs an options object with a model');
    const requested = nonEmptyString('model', options.model, 'a local folder or a model id');
    const dtype = oneOf('dtype', options.dtype, DTYPES, 'fp32');
    const device = oneOf('device', options.device, DEVICES, 'cpu');
    const revision = options.revision ?? 'main';
    const limits: Limits = {
      maxDocuments: positiveInteger('maxDocuments', options.maxDocuments, 1000),
      maxCharacters: positiveInteger('maxCharacters', options.maxCharacters, 100_000),
    };
    const signal = checkSignal(options.signal);
    const remoteHost =
      options.remoteHost === undefined
        ? undefined
        : nonEmptyString('remoteHost', options.remoteHost, 'the base URL of a hub-layout server');
    const stallTimeoutMs = positiveInteger('stallTimeoutMs', options.stallTimeoutMs, DEFAULT_STALL_TIMEOUT_MS);
    const onnxFile = ONNX_FILE_FOR_DTYPE[dtype];
    throwIfAborted(signal);
    // Host, cache key, stall timeout and signal belong to this load (see model-source.ts).
    const source = await prepareModelSource({
      model: requested,
      remoteHost,
      revision,
      onnxFile,
      stallTimeoutMs,
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const { label: model, location } = source;

    const progress_callback = options.onProgress ? progressAdapter(options.onProgress) : undefined;
    let config: PretrainedConfig;
    try {
      throwIfAborted(signal);
      config = await AutoConfig.from_pretrained(location, { revision, progress_callback });
    } catch (cause) {
      if (cause instanceof RerankerError) throw cause;
      throw loadError(model, 'config.json', cause);
    }
    const crossEncoder = checkCrossEncoderConfig(model, config as unknown as Record<string, unknown>);

    // The tokenizer and the graph are independent once the config is known: fetch and build them together.
    throwIfAborted(signal);
    const tokenizerLoad = AutoTokenizer.from_pretrained(location, { revision, progress_callback }).catch(
      (cause: unknown) => {
        throw cause instanceof RerankerError
          ? cause
          : loadError(
              model,
              /tokenizer_config/.test(String(cause)) ? 'tokenizer_config.json' : 'tokenizer.json',
              cause,
            );
      },
    );
    const sessionLoad = AutoModelForSequenceClassification.from_pretrained(location, {
      config,
      revision,
      dtype,
      device,
      progress_callback,
    }) // config given: not fetched again
      .catch((cause: unknown) => {
        throw cause instanceof RerankerError ? cause : loadError(model, onnxFile, cause);
      });
    // A failure is reported at once; a session still being built then is freed when it is done.
    sessionLoad.catch(() => undefined); // handled here, awaited below
    const abandonSession = () =>
      void sessionLoad
        .then(
          (session) => session.dispose(),
          () => undefined,
        )
        .catch(() => undefined);
    let tokenizer: PreTrainedTokenizer;
    try {
      tokenizer = await tokenizerLoad;
    } catch (error) {
      if (!(error instanceof ModelLoadError && error.code === 'DOWNLOAD_STALLED')) {
        abandonSession();
        throw error;
      }
      // A stall can be the symptom of another download stalling (a browser shares a few connections per
      // host): when the graph's download fails too, that failure is the one to report.
      const graphFailure = await sessionLoad.then(
        (session) => void session.dispose().catch(() => undefined),
        (cause: unknown) => cause,
      );
      throw graphFailure ?? error;
    }
    const encoder = new PairEncoder(tokenizer);
    const maxLength = Math.min(crossEncoder.maxPositions, tokenizer.model_max_length ?? Infinity);
    if (maxLength < encoder.pairSpecialTokens + 2) {
      // Refused at load: otherwise every rank would fail with a RangeError.
      abandonSession();
      const file = crossEncoder.maxPositions === maxLength ? 'config.json' : 'tokenizer_config.json';
      const setting = file === 'config.json' ? 'max_position_embeddings' : 'model_max_length';
      throw new ModelLoadError(
        'UNSUPPORTED_MODEL',
        `Model "${model}": ${file} ${setting} allows ${maxLength} tokens per pair, fewer than the ${encoder.pairSpecialTokens + 2} a query and a passage need`,
        { file },
      );
    }
    const session: PreTrainedModel = await sessionLoad;
    if (signal?.aborted) {
      // Building a session cannot be interrupted; one built after the abort is freed, not returned.
      await session.dispose();
      throw new AbortedError('loading was cancelled');
    }
    const inputNames: string[] =
      (session as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions['model']?.inputNames ??
      [];
    const configPositions = (config as unknown as { max_position_embeddings?: unknown }).max_position_embeddings;

    // The file transformers.js read: in Node a local folder (hub ids are downloaded into one first).
    try {
      await checkModelFits(hooks.openModelFile ?? localModelFiles(() => [location]), {
        model,
        onnxFile,
        maxTokenId: largestTokenId(tokenizer),
        maxLength,
        positionOffset: (typeof configPositions === 'number' ? configPositions : 512) - crossEncoder.maxPositions,
      });
    } catch (error) {
      await session.dispose().catch(() => undefined);
      throw error instanceof RerankerError ? error : loadError(model, onnxFile, error);
    }
    const info: RerankerInfo = { model, dtype, device, architecture: crossEncoder.architecture, maxLength };
    return new Reranker(
      info,
      session,
      encoder,
      limits,
      inputNames.includes('token_type_ids'),
      checkCacheLimits(options.scoreCache),
    );
  }

  /** Documents best first, with their index in `documents`. An empty list gives []. */
  async rank(query: string, documents: string[], rankOptions?: RankOptions): Promise<RankedDocument[]> {
    // Budget and partials belong to rankDetailed: here every document is scored and returned.
    const { budgetMs: _budget, onPartial: _partial, ...options } = checkOptions(rankOptions as DetailedRankOptions);
    return (await this.rankDetailed(query, documents, options)).results;
  }

  /**
   * The ranking with what it rests on (cache hits, the budget's plan, unscored documents), and with
   * `onPartial`, the ranking so far after every model run.
   */
  async rankDetailed(query: string, documents: string[], rankOptions?: DetailedRankOptions): Promise<RankReport> {
    this.assertUsable();
    const options = checkOptions(rankOptions);
    const signal = checkSignal(options.signal);
    checkQuery(query, this.limits);
    checkDocuments(documents, this.limits);
    const topK = positiveInteger('topK', options.topK, Math.max(1, documents.length), 1);
    const activation = oneOf('activation', options.activation, ACTIVATIONS, 'sigmoid');
    const onPartial = optionalFunction<(partial: RankReport) => void>('onPartial', options.onPartial);
    const budgetMs = positiveNumber('budgetMs', options.budgetMs, undefined);
    const settings = this.pairSettings(options);
    if (budgetMs !== undefined && settings.strategy === 'windows') {
      throw new InvalidInputError(
        'budgetMs cannot be combined with longPassages "windows" (a passage may need many rows); use "truncate" or "focus"',
      );
    }
    const report = (scored: ScoredPairs, final: boolean, started: number) =>
      buildReport({
        logits: scored.logits,
        documents,
        activation,
        topK,
        returnDocuments: options.returnDocuments ?? false,
        final,
        cacheHits: scored.cacheHits,
        elapsedMs: now() - started,
        ...(scored.plan ? { plan: scored.plan } : {}),
      });
    if (signal?.aborted) throw new AbortedError();
    return this.enqueue(async () => {
      const started = now();
      const scored = await this.pairLogits(
        documents.map((d) => [query, d]),
        settings,
        {
          signal,
          budgetMs,
          started,
          progressive: onPartial !== undefined || budgetMs !== undefined,
          afterRun: onPartial && ((partial) => onPartial(report(partial, false, started))),
        },
      );
      return report(scored, true, started);
    });
  }

  /** One score per [query, passage] pair, in input order. */
  async score(pairs: Array<[string, string]>, scoreOptions?: ScoreOptions): Promise<number[]> {
    this.assertUsable();
    const options = checkOptions(scoreOptions);
    const signal = checkSignal(options.signal);
    const checked = checkPairs(pairs, this.limits);
    const settings = this.pairSettings(options);
    const activation = oneOf('activation', options.activation, ACTIVATIONS, 'sigmoid');
    if (checked.length === 0) return [];
    const { logits } = await this.enqueue(() => this.pairLogits(checked, settings, { signal, progressive: false }));
    return applyActivation(logits as number[], activation);
  }

  /**
   * Passes every later model run, and the cost model's prediction of its time, through `guard`: the
   * browser worker bounds runs so (a run under a lost GPU device never settles). A rejection fails the
   * run as an InferenceError.
   */
  guardRuns(guard: RunGuard): void {
    this.guardRun = guard;
  }

  /** Entries, estimated bytes, hits and misses of this model's score cache. */
  cacheStats(): ScoreCacheStats {
    return this.cache.stats();
  }

  /**
   * Raw logits of rows already encoded (by a PairEncoder on this model's tokenizer), in one model run
   * padded to the longest row. For callers that batch across calls themselves (the edge service).
   */
  async runRows(rows: EncodedRow[]): Promise<number[]> {
    this.assertUsable();
    return rows.length === 0 ? [] : this.enqueue(() => this.run(rows));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.model.dispose();
  }

  // ---- internals -----------------------------------------------------------------------------

  private assertUsable(): void {
    if (this.disposed) throw new RerankerError('DISPOSED', 'this reranker has been disposed');
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The options that decide how a pair becomes rows, checked. */
  private pairSettings(options: ScoreOptions): PairSettings {
    const minimum = this.encoder.pairSpecialTokens + 2;
    const maxLength = Math.min(
      positiveInteger('maxLength', options.maxLength, this.info.maxLength, minimum),
      this.info.maxLength,
    );
    const batchTokens = positiveInteger('batchTokens', options.batchTokens, 8192);
    if (batchTokens > MAX_BATCH_TOKENS)
      throw new InvalidInputError(`batchTokens must be at most ${MAX_BATCH_TOKENS}, got ${batchTokens}`);
    const strategy = oneOf('longPassages', options.longPassages, LONG_PASSAGE_STRATEGIES, 'truncate');
    const defaultOverlap = Math.floor((maxLength - this.encoder.pairSpecialTokens) / 4);
    const overlap = positiveInteger('windowOverlap', options.windowOverlap, defaultOverlap, 0);
    const truncation = oneOf('truncation', options.truncation, TRUNCATION_RULES, 'passage-first');
    return { maxLength, batchTokens, strategy, overlap, truncation };
  }

  /**
   * Raw logits per pair (undefined where not scored: outside the budget's plan). Cached pairs skip the
   * model; a windowed passage gets its best window's logit. `afterRun` sees the logits after every run.
   */
  private async pairLogits(pairs: Array<[string, string]>, settings: PairSettings, run: PairRun): Promise<ScoredPairs> {
    const { batchTokens, strategy, overlap, truncation } = settings;
    const special = this.encoder.pairSpecialTokens;
    const queryTokens = new Map<string, string[]>();
    const tokensOfQuery = (query: string) =>
      queryTokens.get(query) ?? queryTokens.set(query, this.encoder.tokenize(query)).get(query)!;
    // Truncation keeps at most this many passage tokens, so a truncated passage is read only that far.
    const passageEnough = strategy === 'truncate' ? settings.maxLength - special : Infinity;
    const passageTokens = new Map<number, string[]>();
    const tokensOfPassage = (i: number) => {
      let tokens = passageTokens.get(i);
      if (!tokens) {
        const [query, passage] = pairs[i]!;
        // longest-first compares the two lengths: read one token past the query so that comparison holds.
        const enough =
          truncation === 'longest-first' ? Math.max(passageEnough, tokensOfQuery(query).length + 1) : passageEnough;
        passageTokens.set(i, (tokens = this.encoder.tokenize(passage, enough)));
      }
      return tokens;
    };

    let candidates = pairs.map((_, i) => i);
    let maxLength = settings.maxLength;
    let plan: RankPlan | undefined;
    if (run.budgetMs !== undefined) {
      const tokenLengths = candidates.map((i) =>
        Math.min(special + tokensOfQuery(pairs[i]![0]).length + tokensOfPassage(i).length, settings.maxLength),
      );
      // What tokenizing took is spent; the plan covers model time only (predictedMs), so it gets the rest.
      const budgetLeft = Math.max(1e-6, run.budgetMs - (run.started === undefined ? 0 : now() - run.started));
      plan = planBudget({
        budgetMs: budgetLeft,
        tokenLengths,
        maxLength,
        minimumMaxLength: Math.min(maxLength, Math.max(special + 2, BUDGET_MINIMUM_MAX_LENGTH)),
        batchTokens,
        cost: this.cost,
      });
      maxLength = plan.maxLength;
      candidates = candidates.slice(0, plan.candidates);
    }

    // Cached pairs (any of them, even past the plan: they cost nothing) are known at once.
    const logits = new Array<number | undefined>(pairs.length).fill(undefined);
    const keyOf = (i: number) =>
      ScoreCache.key(
        { maxLength, truncation, longPassages: strategy, windowOverlap: overlap },
        pairs[i]![0],
        pairs[i]![1],
      );
    const keys = pairs.map((_, i) => keyOf(i));
    let cacheHits = 0;
    keys.forEach((key, i) => {
      const cached = this.cache.get(key);
      if (cached === undefined) return;
      logits[i] = cached;
      cacheHits++;
    });
    const toScore = candidates.filter((i) => logits[i] === undefined);

    const rows: EncodedRow[] = [];
    const owner: number[] = [];
    const rowsLeft = new Map<number, number>();
    for (const i of toScore) {
      const windows = strategy === 'truncate' ? null : { overlap, focus: strategy === 'focus' };
      const encoded = this.encoder.encode(
        tokensOfQuery(pairs[i]![0]),
        tokensOfPassage(i),
        maxLength,
        windows,
        truncation,
      );
      for (const row of encoded) {
        rows.push(row);
        owner.push(i);
      }
      rowsLeft.set(i, encoded.length);
    }

    const best = new Map<number, number>();
    const batches = scoringBatches(
      rows.map((row, r) => ({ candidate: owner[r]!, length: row.inputIds.length })),
      toScore,
      batchTokens,
      run.progressive,
    );
    for (const batch of batches) {
      // Let queued events (a cancel message in a worker) run before the next model run.
      if (run.signal) await yieldToEventLoop();
      if (run.signal?.aborted) throw new AbortedError();
      const values = await this.run(batch.map((r) => rows[r]!));
      batch.forEach((r, k) => {
        const pair = owner[r]!;
        best.set(pair, Math.max(best.get(pair) ?? -Infinity, values[k]!));
        rowsLeft.set(pair, rowsLeft.get(pair)! - 1);
        if (rowsLeft.get(pair) === 0) {
          logits[pair] = best.get(pair)!;
          this.cache.set(keys[pair]!, best.get(pair)!);
        }
      });
      run.afterRun?.({ logits, cacheHits, ...(plan ? { plan } : {}) });
    }
    return { logits, cacheHits, ...(plan ? { plan } : {}) };
  }

  /** One model run on rows padded (right side) to the longest of them; its time feeds the cost model unless `record` is false. */
  private async run(rows: EncodedRow[], record = true): Promise<number[]> {
    const width = Math.max(...rows.map((r) => r.inputIds.length));
    const size = rows.length * width;
    const inputIds = new BigInt64Array(size).fill(BigInt(this.encoder.padTokenId));
    const attentionMask = new BigInt64Array(size);
    const tokenTypeIds = new BigInt64Array(size);
    rows.forEach((row, r) => {
      row.inputIds.forEach((id, t) => {
        inputIds[r * width + t] = BigInt(id);
        attentionMask[r * width + t] = 1n;
        tokenTypeIds[r * width + t] = BigInt(row.tokenTypeIds[t] ?? 0);
      });
    });
    const dims = [rows.length, width];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', inputIds, dims),
      attention_mask: new Tensor('int64', attentionMask, dims),
    };
    if (this.takesTokenTypes) feeds['token_type_ids'] = new Tensor('int64', tokenTypeIds, dims);
    let output: { logits?: Tensor };
    try {
      const started = now();
      output = await this.guardRun(runSession(this.model, feeds), this.cost.predictRun({ rows: rows.length, width }));
      if (record) this.cost.observe({ rows: rows.length, width }, now() - started);
    } catch (cause) {
      const what = `a batch of ${rows.length} x ${width} tokens`;
      if (ALLOCATION_FAILED.test(errorMessage(cause))) {
        throw new OutOfMemoryError(
          `model run ran out of memory on ${what} (${errorMessage(cause)}); lower batchTokens or maxLength`,
          cause,
        );
      }
      throw new InferenceError(`model run failed on ${what}: ${errorMessage(cause)}`, cause);
    }
    const logits = output.logits;
    if (!logits) throw new InferenceError('the model returned no "logits" output');
    const values = logits.type === 'float32' ? logits.data : (logits.to('float32').data as Float32Array);
    return Array.from(values as Float32Array, Number);
  }

  // ---- latency budget --------------------------------------------------------------------------

  /**
   * Runs a few small model runs of known shape (calibrationShapes) so that budgets are planned from
   * this model on this backend from the first call; run() records each in the cost model. About 1,000
   * tokens of work: call it once at warm-up.
   */
  async calibrate(): Promise<void> {
    this.assertUsable();
    // Any token repeated: run time depends on the shape, not on which tokens fill it.
    const [token = 'a'] = this.encoder.tokenize('a');
    const rowsOf = ({ rows, width }: RunShape) =>
      new Array<EncodedRow>(rows).fill(
        this.encoder.encode([token], new Array<string>(width).fill(token), width, null)[0]!,
      );
    const shapes = calibrationShapes(this.info.maxLength);
    const largest = shapes.reduce((a, b) => (b.rows * b.width ** 2 > a.rows * a.width ** 2 ? b : a));
    // One queued call: only the runs are timed, never a wait behind other calls.
    await this.enqueue(async () => {
      // Not recorded: a session's first run at a new size allocates its buffers and reads as several times its cost.
      await this.run(rowsOf(largest), false);
      for (const shape of shapes) await this.run(rowsOf(shape));
    });
  }
}
