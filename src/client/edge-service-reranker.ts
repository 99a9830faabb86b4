/**
 * The reranker API backed by the edge service (src/server) instead of a local model: for devices too
 * weak to run a real-size model. Same `rank` and `score` as the local reranker, same ordering and
 * scores: the service returns raw logits (TEI `/rerank` with `raw_scores`), and the activation and
 * ordering are applied here by the engine's own functions.
 *
 *   const reranker = await createRemoteReranker({ endpoint: 'https://edge.example.com', apiKey });
 *   const ranked = await reranker.rank(query, passages, { topK: 10, signal });
 *
 * The page's origin must be allowed by the service (`--cors-origin`). Aborting a call closes the HTTP
 * request, and the service drops that request's queued pairs.
 *
 * Its public names say "Remote" (createRemoteReranker, RemoteReranker, backend 'remote'): inside the code
 * "remote" means only this, the edge service. Model downloads say "hub" (engine/hub-address.ts; the public
 * `remoteHost` option is the hub's host), and the worker's Comlink proxy is `workerProxy`.
 */
import {
  AbortedError,
  InferenceError,
  InvalidInputError,
  LimitExceededError,
  RerankerError,
} from '../engine/errors.js';
import { buildReport } from '../engine/rank-report.js';
import { applyActivation } from '../engine/scoring.js';
import type {
  Activation,
  DetailedRankOptions,
  RankOptions,
  RankReport,
  RankedDocument,
  ScoreOptions,
} from '../engine/types.js';
import {
  ACTIVATIONS,
  checkCallOptions,
  checkDocuments,
  checkPairs,
  checkQuery,
  checkSignal,
  nonEmptyString,
  oneOf,
  optionalFunction,
  positiveInteger,
} from '../engine/validation.js';

export interface RemoteRerankerOptions {
  /** Base URL of the edge service, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** The service's bearer key, if it has one. */
  apiKey?: string;
  /** Cancels the initial /info request. */
  signal?: AbortSignal;
  /** Another fetch (tests, a service worker's). Default: the global one. */
  fetch?: typeof fetch;
}

export interface RemoteReadyState {
  backend: 'remote';
  endpoint: string;
  model: string;
  dtype: string;
  architecture: string;
  maxLength: number;
  /** Documents per call the service takes. */
  maxDocuments: number;
  /** Set when the served model was generated (the service's /info `generated_by`): random weights. */
  generatedBy?: string;
}

export interface RemoteReranker {
  readonly ready: RemoteReadyState;
  state(): Promise<RemoteReadyState>;
  rank(query: string, documents: string[], options?: RankOptions): Promise<RankedDocument[]>;
  /**
   * The same report as the local reranker's. The service answers in one piece: no partials (`onPartial`
   * is never called), no budget (`budgetMs` is refused), no cache hits.
   */
  rankDetailed(query: string, documents: string[], options?: DetailedRankOptions): Promise<RankReport>;
  score(pairs: Array<[string, string]>, options?: ScoreOptions): Promise<number[]>;
  /** Later calls reject with DISPOSED; nothing is held on the service. */
  dispose(): Promise<void>;
}

/** Options the service cannot honour: refused rather than silently ignored (batchTokens is local tuning, ignored). */
function refuseUnsupported(options: ScoreOptions): void {
  if (options.maxLength !== undefined)
    throw new InvalidInputError(
      'maxLength is not supported by the edge service: the service fits pairs to the model length',
    );
  if (options.longPassages !== undefined && options.longPassages !== 'truncate')
    throw new InvalidInputError(`longPassages "${options.longPassages}" is not supported by the edge service`);
}

export async function createRemoteReranker(options: RemoteRerankerOptions): Promise<RemoteReranker> {
  if (typeof options?.endpoint !== 'string' || options.endpoint === '')
    throw new InvalidInputError('endpoint must be the base URL of the rerank service');
  if (options.apiKey !== undefined) nonEmptyString('apiKey', options.apiKey, "the service's bearer key");
  checkSignal(options.signal);
  optionalFunction('fetch', options.fetch);
  const base = options.endpoint.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };
  let disposed = false;

  async function request(path: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw new AbortedError();
      throw new InferenceError(
        `the rerank service at ${base} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.ok) return body;
    const detail =
      (body as { error?: string; message?: string } | null)?.error ??
      (body as { message?: string } | null)?.message ??
      response.statusText;
    if (response.status === 413)
      throw new LimitExceededError(`the rerank service refused the request (413): ${detail}`);
    if (response.status === 400 || response.status === 422)
      throw new InvalidInputError(`the rerank service refused the request (${response.status}): ${detail}`);
    throw new InferenceError(`the rerank service answered ${response.status}: ${detail}`);
  }

  async function readyState(signal?: AbortSignal): Promise<RemoteReadyState> {
    const info = (await request('/info', { method: 'GET', signal })) as Record<string, unknown>;
    return {
      backend: 'remote',
      endpoint: base,
      model: String(info['model_id']),
      dtype: String(info['model_dtype']),
      architecture: String(
        (info['model_type'] as { reranker?: { architecture?: string } })?.reranker?.architecture ?? '',
      ),
      maxLength: Number(info['max_input_length']),
      maxDocuments: Number(info['max_client_batch_size']),
      ...(typeof info['generated_by'] === 'string' ? { generatedBy: info['generated_by'] } : {}),
    };
  }

  /** Raw logits of `documents` against `query`, in input order. */
  async function logits(query: string, documents: string[], signal?: AbortSignal): Promise<number[]> {
    const ranked = (await request('/rerank', {
      method: 'POST',
      body: JSON.stringify({ query, texts: documents, raw_scores: true, truncate: true }),
      signal,
    })) as Array<{ index: number; score: number }>;
    const out = new Array<number>(documents.length).fill(NaN);
    for (const { index, score } of ranked) out[index] = score;
    if (out.some(Number.isNaN))
      throw new InferenceError('the rerank service did not return a score for every document');
    return out;
  }

  function assertUsable(signal?: AbortSignal): void {
    if (disposed) throw new RerankerError('DISPOSED', 'this reranker has been disposed');
    if (signal?.aborted) throw new AbortedError();
  }

  const ready = await readyState(options.signal);
  const limits = { maxDocuments: ready.maxDocuments, maxCharacters: Number.MAX_SAFE_INTEGER };

  async function rankDetailed(query: string, documents: string[], options?: DetailedRankOptions): Promise<RankReport> {
    const rankOptions = checkCallOptions(options);
    assertUsable(rankOptions.signal);
    checkQuery(query, limits);
    checkDocuments(documents, limits);
    refuseUnsupported(rankOptions);
    if (rankOptions.budgetMs !== undefined)
      throw new InvalidInputError('budgetMs is not supported by the edge service: the service scores every document');
    const topK = positiveInteger('topK', rankOptions.topK, Math.max(1, documents.length), 1);
    const activation: Activation = oneOf('activation', rankOptions.activation, ACTIVATIONS, 'sigmoid');
    const started = performance.now();
    const raw = documents.length === 0 ? [] : await logits(query, documents, rankOptions.signal);
    return buildReport({
      logits: raw,
      documents,
      activation,
      topK,
      returnDocuments: rankOptions.returnDocuments ?? false,
      final: true,
      cacheHits: 0,
      elapsedMs: performance.now() - started,
    });
  }

  return {
    ready,
    state: () => readyState(),
    async rank(query, documents, rankOptions) {
      const {
        budgetMs: _budget,
        onPartial: _partial,
        ...options
      } = checkCallOptions(rankOptions as DetailedRankOptions);
      return (await rankDetailed(query, documents, options)).results;
    },
    rankDetailed,
    async score(pairs, options) {
      const scoreOptions = checkCallOptions(options);
      assertUsable(scoreOptions.signal);
      const checked = checkPairs(pairs, limits);
      refuseUnsupported(scoreOptions);
      const activation: Activation = oneOf('activation', scoreOptions.activation, ACTIVATIONS, 'sigmoid');
      // One request per distinct query, sent together: the service batches them into shared model runs.
      const byQuery = new Map<string, number[]>();
      checked.forEach(([query], i) => byQuery.set(query, [...(byQuery.get(query) ?? []), i]));
      const raw = new Array<number>(checked.length);
      await Promise.all(
        [...byQuery].map(async ([query, indices]) => {
          const values = await logits(
            query,
            indices.map((i) => checked[i]![1]),
            scoreOptions.signal,
          );
          indices.forEach((i, k) => (raw[i] = values[k]!));
        }),
      );
      return applyActivation(raw, activation);
    },
    async dispose() {
      disposed = true;
    },
  };
}
