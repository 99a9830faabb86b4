/**
 * The reranking engine: a cross-encoder (loaded by model-load.ts) scoring (query, passage) pairs one call
 * at a time, in length-sorted batches, from its score cache where it can, within a latency budget when
 * asked. No DOM and no Node APIs, so the same class runs in Node and in a Web Worker.
 */
import type { PreTrainedModel } from '@huggingface/transformers';
import { type InputFormat, runBatch } from './batch-run.js';
import { planBudget } from './budget-plan.js';
import { CostModel, type RunShape, calibrationShapes } from './cost-model.js';
import { AbortedError, InvalidInputError, RerankerError } from './errors.js';
import { type LoadHooks, type LoadedModel, type RerankerInfo, loadModel } from './model-load.js';
import type { EncodedRow, PairEncoder } from './pair-encoder.js';
import { buildReport } from './rank-report.js';
import { ScoreCache, type ScoreCacheStats } from './score-cache.js';
import { applyActivation } from './scoring.js';
import { scoringBatches } from './scoring-order.js';
import type { RunGuard } from './run-watchdog.js';
import type {
  DetailedRankOptions,
  LoadOptions,
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
  oneOf,
  optionalFunction,
  positiveInteger,
  positiveNumber,
} from './validation.js';

export type { LoadHooks, RerankerInfo } from './model-load.js';

/** A macrotask boundary: awaiting resolved promises alone never lets a message event in. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const now = () => performance.now();

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

/** Padded tokens per model run when a call does not say (batchTokens); the memory fit plans for it. */
export const DEFAULT_BATCH_TOKENS = 8192;

export class Reranker {
  private disposed = false;
  /** Pair logits already computed by this model (cleared with it: a new model is a new Reranker). */
  private readonly cache: ScoreCache;
  /** Time per model run on this model and backend, learned from every run; the latency budget plans with it. */
  private readonly cost = new CostModel();
  /** What every model run passes through: as it is, unless a host bounds runs (guardRuns). */
  private guardRun: RunGuard = (start) => start();
  /** Runs one call at a time: sessions are not re-entrant everywhere (in browsers they are serialised anyway). */
  private queue: Promise<unknown> = Promise.resolve();

  readonly info: RerankerInfo;
  private readonly model: PreTrainedModel;
  private readonly encoder: PairEncoder;
  private readonly limits: Limits;
  private readonly inputFormat: InputFormat;

  private constructor(loaded: LoadedModel) {
    this.info = loaded.info;
    this.model = loaded.model;
    this.encoder = loaded.encoder;
    this.limits = loaded.limits;
    this.inputFormat = { padTokenId: loaded.encoder.padTokenId, takesTokenTypes: loaded.takesTokenTypes };
    this.cache = new ScoreCache(loaded.cacheLimits);
  }

  /** Loads a model (model-load.ts); every failure is a typed RerankerError naming the file where it can. */
  static async load(options: LoadOptions, hooks: LoadHooks = {}): Promise<Reranker> {
    return new Reranker(await loadModel(options, hooks));
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
   * Passes every later model run (what starts it), and the cost model's prediction of its time, through
   * `guard`: the browser worker bounds runs so (a run under a lost GPU device never settles) and starts
   * none on a runtime it knows is gone. A rejection fails the run as an InferenceError.
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
    const batchTokens = positiveInteger('batchTokens', options.batchTokens, DEFAULT_BATCH_TOKENS);
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
    // Checked on every path, not only before model runs: a call aborted while it waited in the queue may
    // find all its pairs in the cache and never reach a run.
    const stopIfAborted = () => {
      if (run.signal?.aborted) throw new AbortedError();
    };
    stopIfAborted();
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
      // Let queued events (a cancel message in a worker) run before the next model run: with onnxruntime's
      // WASM-only build a run blocks its thread, so between runs is the only time they can.
      if (run.signal) await yieldToEventLoop();
      stopIfAborted();
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
    stopIfAborted(); // aborted during the last run: its logits are cached, the call still rejects
    return { logits, cacheHits, ...(plan ? { plan } : {}) };
  }

  /** One model run (batch-run.ts); its time feeds the cost model unless `record` is false. */
  private async run(rows: EncodedRow[], record = true): Promise<number[]> {
    const { logits, shape, runMs } = await runBatch(this.model, rows, this.inputFormat, (start, runShape) =>
      this.guardRun(start, this.cost.predictRun(runShape)),
    );
    if (record) this.cost.observe(shape, runMs);
    return logits;
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
      for (const shape of shapes) {
        // onnxruntime's WASM-only build runs a session synchronously: a worker hears messages (a cancel,
        // a close) only between runs.
        await yieldToEventLoop();
        await this.run(rowsOf(shape));
      }
    });
  }
}
