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
import { planBatches } from './batching.js';
import { AbortedError, InferenceError, InvalidInputError, ModelLoadError, OutOfMemoryError, RerankerError, errorMessage } from './errors.js';
import { DEFAULT_STALL_TIMEOUT_MS } from './guarded-fetch.js';
import { prepareModelSource, throwIfAborted } from './model-source.js';
import { ONNX_FILE_FOR_DTYPE, checkCrossEncoderConfig, loadError } from './model-files.js';
import { type ModelFileOpener, checkModelFits, largestTokenId, localModelFiles } from './model-fit.js';
import { type EncodedRow, PairEncoder } from './pair-encoder.js';
import { applyActivation, rankOrder } from './scoring.js';
import { runSession } from './session-run.js';
import type { Device, Dtype, LoadOptions, LoadProgress, RankOptions, RankedDocument, ScoreOptions } from './types.js';
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
  positiveInteger,
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

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8'];

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
  /** Runs one call at a time: sessions are not re-entrant everywhere (in browsers they are serialised anyway). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly info: RerankerInfo,
    private readonly model: PreTrainedModel,
    private readonly encoder: PairEncoder,
    private readonly limits: Limits,
    private readonly takesTokenTypes: boolean,
  ) {}

  static async load(options: LoadOptions, hooks: LoadHooks = {}): Promise<Reranker> {
    if (typeof options !== 'object' || options === null) throw new InvalidInputError('Reranker.load needs an options object with a model');
    const requested = nonEmptyString('model', options.model, 'a local folder or a model id');
    const dtype = oneOf('dtype', options.dtype, DTYPES, 'fp32');
    const device = oneOf('device', options.device, DEVICES, 'cpu');
    const revision = options.revision ?? 'main';
    const limits: Limits = {
      maxDocuments: positiveInteger('maxDocuments', options.maxDocuments, 1000),
      maxCharacters: positiveInteger('maxCharacters', options.maxCharacters, 100_000),
    };
    const signal = checkSignal(options.signal);
    const remoteHost = options.remoteHost === undefined ? undefined : nonEmptyString('remoteHost', options.remoteHost, 'the base URL of a hub-layout server');
    const stallTimeoutMs = positiveInteger('stallTimeoutMs', options.stallTimeoutMs, DEFAULT_STALL_TIMEOUT_MS);
    const onnxFile = ONNX_FILE_FOR_DTYPE[dtype];
    throwIfAborted(signal);
    // Host, cache key, stall timeout and signal belong to this load (see model-source.ts).
    const source = await prepareModelSource({ model: requested, remoteHost, revision, onnxFile, stallTimeoutMs, ...(signal ? { signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
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
    const tokenizerLoad = AutoTokenizer.from_pretrained(location, { revision, progress_callback }).catch((cause: unknown) => {
      throw cause instanceof RerankerError ? cause : loadError(model, /tokenizer_config/.test(String(cause)) ? 'tokenizer_config.json' : 'tokenizer.json', cause);
    });
    const sessionLoad = AutoModelForSequenceClassification.from_pretrained(location, { config, revision, dtype, device, progress_callback }) // config given: not fetched again
      .catch((cause: unknown) => {
        throw cause instanceof RerankerError ? cause : loadError(model, onnxFile, cause);
      });
    // A failure is reported at once; a session still being built then is freed when it is done.
    sessionLoad.catch(() => undefined); // handled here, awaited below
    const abandonSession = () => void sessionLoad.then((session) => session.dispose(), () => undefined).catch(() => undefined);
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
      const graphFailure = await sessionLoad.then((session) => void session.dispose().catch(() => undefined), (cause: unknown) => cause);
      throw graphFailure ?? error;
    }
    const encoder = new PairEncoder(tokenizer);
    const maxLength = Math.min(crossEncoder.maxPositions, tokenizer.model_max_length ?? Infinity);
    if (maxLength < encoder.pairSpecialTokens + 2) {
      // Refused at load: otherwise every rank would fail with a RangeError.
      abandonSession();
      const file = crossEncoder.maxPositions === maxLength ? 'config.json' : 'tokenizer_config.json';
      const setting = file === 'config.json' ? 'max_position_embeddings' : 'model_max_length';
      throw new ModelLoadError('UNSUPPORTED_MODEL', `Model "${model}": ${file} ${setting} allows ${maxLength} tokens per pair, fewer than the ${encoder.pairSpecialTokens + 2} a query and a passage need`, { file });
    }
    const session: PreTrainedModel = await sessionLoad;
    if (signal?.aborted) {
      // Building a session cannot be interrupted; one built after the abort is freed, not returned.
      await session.dispose();
      throw new AbortedError('loading was cancelled');
    }
    const inputNames: string[] = (session as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions['model']?.inputNames ?? [];
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
    return new Reranker(info, session, encoder, limits, inputNames.includes('token_type_ids'));
  }

  /** Documents best first, with their index in `documents`. An empty list gives []. */
  async rank(query: string, documents: string[], rankOptions?: RankOptions): Promise<RankedDocument[]> {
    this.assertUsable();
    const options = checkOptions(rankOptions);
    checkSignal(options.signal);
    checkQuery(query, this.limits);
    checkDocuments(documents, this.limits);
    const topK = positiveInteger('topK', options.topK, documents.length, 1);
    const returnDocuments = options.returnDocuments ?? false;
    if (documents.length === 0) return [];

    if (options.signal?.aborted) throw new AbortedError();
    const logits = await this.enqueue(() => this.logits(documents.map((d) => [query, d]), options));
    const scores = applyActivation(logits, oneOf('activation', options.activation, ACTIVATIONS, 'sigmoid'));
    return rankOrder(logits, topK).map((index) => ({
      index,
      score: scores[index]!,
      ...(returnDocuments ? { document: documents[index]! } : {}),
    }));
  }

  /** One score per [query, passage] pair, in input order. */
  async score(pairs: Array<[string, string]>, scoreOptions?: ScoreOptions): Promise<number[]> {
    this.assertUsable();
    const options = checkOptions(scoreOptions);
    checkSignal(options.signal);
    const checked = checkPairs(pairs, this.limits);
    if (checked.length === 0) return [];
    const logits = await this.enqueue(() => this.logits(checked, options));
    return applyActivation(logits, oneOf('activation', options.activation, ACTIVATIONS, 'sigmoid'));
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

  /** Raw logits per pair; a windowed passage gets its best window's logit. */
  private async logits(pairs: Array<[string, string]>, options: ScoreOptions): Promise<number[]> {
    const minimum = this.encoder.pairSpecialTokens + 2;
    const maxLength = Math.min(positiveInteger('maxLength', options.maxLength, this.info.maxLength, minimum), this.info.maxLength);
    const batchTokens = positiveInteger('batchTokens', options.batchTokens, 8192);
    if (batchTokens > MAX_BATCH_TOKENS) throw new InvalidInputError(`batchTokens must be at most ${MAX_BATCH_TOKENS}, got ${batchTokens}`);
    const strategy = oneOf('longPassages', options.longPassages, LONG_PASSAGE_STRATEGIES, 'truncate');
    const defaultOverlap = Math.floor((maxLength - this.encoder.pairSpecialTokens) / 4);
    const overlap = positiveInteger('windowOverlap', options.windowOverlap, defaultOverlap, 0);
    const truncation = oneOf('truncation', options.truncation, TRUNCATION_RULES, 'passage-first');

    const rows: EncodedRow[] = [];
    const owner: number[] = [];
    const queryTokens = new Map<string, string[]>();
    // Truncation keeps at most this many passage tokens, so a truncated passage is read only that far.
    const passageEnough = strategy === 'windows' ? Infinity : maxLength - this.encoder.pairSpecialTokens;
    pairs.forEach(([query, passage], pairIndex) => {
      let tokens = queryTokens.get(query);
      if (!tokens) queryTokens.set(query, (tokens = this.encoder.tokenize(query)));
      // longest-first compares the two lengths: read one token past the query so that comparison holds.
      const enough = truncation === 'longest-first' ? Math.max(passageEnough, tokens.length + 1) : passageEnough;
      for (const row of this.encoder.encode(tokens, this.encoder.tokenize(passage, enough), maxLength, strategy === 'windows' ? { overlap } : null, truncation)) {
        rows.push(row);
        owner.push(pairIndex);
      }
    });

    const rowLogits = new Float64Array(rows.length);
    for (const batch of planBatches(rows.map((r) => r.inputIds.length), batchTokens)) {
      // Let queued events (a cancel message in a worker) run before the next model run.
      if (options.signal) await yieldToEventLoop();
      if (options.signal?.aborted) throw new AbortedError();
      const values = await this.run(batch.map((i) => rows[i]!));
      batch.forEach((rowIndex, k) => (rowLogits[rowIndex] = values[k]!));
    }
    const best = new Array<number>(pairs.length).fill(-Infinity);
    owner.forEach((pairIndex, rowIndex) => (best[pairIndex] = Math.max(best[pairIndex]!, rowLogits[rowIndex]!)));
    return best;
  }

  /** One model run on rows padded (right side) to the longest of them. */
  private async run(rows: EncodedRow[]): Promise<number[]> {
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
      output = await runSession(this.model, feeds);
    } catch (cause) {
      const what = `a batch of ${rows.length} x ${width} tokens`;
      if (ALLOCATION_FAILED.test(errorMessage(cause))) {
        throw new OutOfMemoryError(`model run ran out of memory on ${what} (${errorMessage(cause)}); lower batchTokens or maxLength`, cause);
      }
      throw new InferenceError(`model run failed on ${what}: ${errorMessage(cause)}`, cause);
    }
    const logits = output.logits;
    if (!logits) throw new InferenceError('the model returned no "logits" output');
    const values = logits.type === 'float32' ? logits.data : (logits.to('float32').data as Float32Array);
    return Array.from(values as Float32Array, Number);
  }
}
