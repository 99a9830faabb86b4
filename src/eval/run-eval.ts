/**
 * Evaluation runner: first-stage BM25 retrieval, then each reranker over the top candidates, scored
 * with the metrics in metrics.ts. No file or console access, so tests drive it with fake rerankers.
 */
import { LexicalIndex, type LexicalIndexOptions, type SearchHit } from '../retrieval/index.js';
import type { Dataset } from './datasets/types.js';
import { evaluateRankings, positiveInteger, rankByScore, relevantCount, type MetricSummary } from './metrics.js';

export interface RerankResult {
  /** Position in the documents array handed to the reranker. */
  index: number;
  score: number;
}

/** Scores documents for a query; results best first, possibly fewer than given. */
export type RerankFn = (query: string, documents: string[]) => Promise<RerankResult[]>;

export interface RerankerEntry {
  name: string;
  rerank: RerankFn;
  /** Called before this reranker's pass (e.g. to load a model), so only one needs to be in memory. Not timed. */
  prepare?: () => Promise<void>;
  /** Called after its pass, even when it fails. */
  release?: () => Promise<void>;
  /** Asked after `prepare`: true when the model has random weights (its config says it was generated). */
  randomWeights?: () => boolean;
}

export interface EvalProgress {
  /** 'index', 'first stage', or a reranker's name. */
  stage: string;
  done: number;
  total: number;
}

export interface EvalOptions {
  /** First-stage hits handed to each reranker. Default 50. */
  candidates?: number;
  /** Cut-off of hitRate, MRR and Recall. Default 10 (NDCG is always @10). */
  k?: number;
  /** Evaluate only the first N judged queries (quick runs). Default: all. */
  maxQueries?: number;
  index?: LexicalIndexOptions;
  rerankers?: readonly RerankerEntry[];
  onProgress?: (progress: EvalProgress) => void;
  /** Milliseconds; injectable so timing code is testable. Default performance.now. */
  clock?: () => number;
}

export interface EvalRow extends MetricSummary {
  name: string;
  /** A generated model with random weights: its figures show the mechanics, not relevance. */
  randomWeights?: true;
  /** Ranking time per query: search only for the first stage, the rerank call only for a reranker. */
  msPerQuery: number;
}

export interface EvalReport {
  format: Dataset['format'];
  corpusSize: number;
  /** Queries with at least one relevant document: the ones evaluated. */
  queries: number;
  /** Queries left out because no document is judged relevant to them. */
  unjudgedQueries: number;
  /** Queries ranked within their own candidate list instead of the whole corpus. */
  candidateListQueries: number;
  k: number;
  candidates: number;
  /** First-stage recall over the candidates handed on: the most any reranker can reach. */
  candidateRecall: number;
  /** Passage indexing of the first stage (rerankers read each candidate's best passage), or null. */
  passages: { maxTokens: number; overlapTokens: number } | null;
  indexMs: number;
  rows: EvalRow[];
  skippedRows: number;
}

export const FIRST_STAGE_NAME = 'first stage (BM25)';

interface QueryState {
  id: string;
  text: string;
  /** First-stage ranking: max(candidates, k, 10) hits (NDCG is always @10), or the whole candidate list. */
  ranking: string[];
  /** The part of the ranking handed to rerankers. */
  candidates: string[];
  /** With passage indexing: the text each candidate's reranker reads (its best passage). */
  passageTexts?: Map<string, string>;
}

export async function runEvaluation(dataset: Dataset, options: EvalOptions = {}): Promise<EvalReport> {
  const candidates = positiveInteger(options.candidates ?? 50, 'candidates');
  const k = positiveInteger(options.k ?? 10, 'k');
  const clock = options.clock ?? (() => performance.now());
  const progress = options.onProgress ?? (() => undefined);

  const judged = dataset.queries.filter((query) => relevantCount(dataset.qrels.get(query.id) ?? new Map()) > 0);
  const evaluated =
    options.maxQueries === undefined ? judged : judged.slice(0, positiveInteger(options.maxQueries, 'maxQueries'));
  const qrels = new Map(evaluated.map((query) => [query.id, dataset.qrels.get(query.id)!]));
  const textById = new Map(dataset.corpus.map((doc) => [doc.id, doc.text]));
  const positionOf = new Map(dataset.corpus.map((doc, i) => [doc.id, i]));

  const indexStart = clock();
  const index = new LexicalIndex(options.index);
  await index.addAll(dataset.corpus, { onProgress: (done, total) => progress({ stage: 'index', done, total }) });
  const indexMs = clock() - indexStart;

  const states: QueryState[] = [];
  let firstStageMs = 0;
  for (const query of evaluated) {
    const start = clock();
    const given = dataset.candidatesPerQuery?.get(query.id);
    let ranking: string[];
    let hits: SearchHit[];
    if (given) {
      // Ranked within its own list; BM25 statistics still come from the whole corpus.
      const scores = index.score(query.text);
      ranking = rankByScore(given.map((id) => ({ id, score: scores[positionOf.get(id) ?? -1] ?? 0 })));
      hits = index.passages ? index.search(query.text, index.size) : [];
    } else {
      hits = index.search(query.text, Math.max(candidates, k, 10));
      ranking = hits.map((hit) => hit.id);
    }
    firstStageMs += clock() - start;
    const state: QueryState = {
      id: query.id,
      text: query.text,
      ranking,
      candidates: given ? ranking : ranking.slice(0, candidates),
    };
    if (index.passages) {
      state.passageTexts = new Map(
        hits.map((hit) => [hit.id, textById.get(hit.id)!.slice(hit.passage!.start, hit.passage!.end)]),
      );
    }
    states.push(state);
    progress({ stage: 'first stage', done: states.length, total: evaluated.length });
  }

  const rows: EvalRow[] = [row(FIRST_STAGE_NAME, new Map(states.map((s) => [s.id, s.ranking])), firstStageMs)];
  for (const reranker of options.rerankers ?? []) {
    const rankings = new Map<string, string[]>();
    let ms = 0;
    await reranker.prepare?.();
    const randomWeights = reranker.randomWeights?.() === true;
    try {
      for (const state of states) {
        // A candidate no passage matched (ranked within a given list) is read from its start.
        const documents = state.candidates.map((id) => state.passageTexts?.get(id) ?? textById.get(id) ?? '');
        const start = clock();
        const results = await reranker.rerank(state.text, documents);
        ms += clock() - start;
        rankings.set(state.id, applyRerank(state, checkResults(results, documents.length, reranker.name)));
        progress({ stage: reranker.name, done: rankings.size, total: states.length });
      }
    } finally {
      await reranker.release?.();
    }
    rows.push({ ...row(reranker.name, rankings, ms), ...(randomWeights ? { randomWeights } : {}) });
  }

  const candidateRecall = evaluateRankings(
    new Map(states.map((s) => [s.id, s.candidates])),
    qrels,
    Math.max(1, ...states.map((s) => s.candidates.length)),
  ).recall;
  return {
    format: dataset.format,
    corpusSize: dataset.corpus.length,
    queries: evaluated.length,
    unjudgedQueries: dataset.queries.length - judged.length,
    candidateListQueries: evaluated.filter((query) => dataset.candidatesPerQuery?.has(query.id)).length,
    k,
    candidates,
    candidateRecall,
    passages: index.passages,
    indexMs,
    rows,
    skippedRows: dataset.skipped.length,
  };

  function row(name: string, rankings: Map<string, string[]>, totalMs: number): EvalRow {
    return {
      name,
      ...evaluateRankings(rankings, qrels, k),
      msPerQuery: evaluated.length === 0 ? 0 : totalMs / evaluated.length,
    };
  }
}

/**
 * Reranked order: by reranker score, equal scores in first-stage order; candidates the reranker
 * did not return follow in first-stage order, then the first-stage hits beyond the candidates.
 */
function applyRerank(state: QueryState, results: RerankResult[]): string[] {
  const byPosition = [...results].sort((a, b) => a.index - b.index);
  const reranked = rankByScore(
    byPosition.map((result) => ({ id: state.candidates[result.index]!, score: result.score })),
  );
  const returned = new Set(results.map((result) => result.index));
  const rest = state.candidates.filter((_, i) => !returned.has(i));
  return [...reranked, ...rest, ...state.ranking.slice(state.candidates.length)];
}

function checkResults(results: unknown, count: number, name: string): RerankResult[] {
  if (!Array.isArray(results)) throw new TypeError(`reranker ${name} did not return an array`);
  const seen = new Set<number>();
  for (const result of results as RerankResult[]) {
    const { index, score } = result ?? {};
    if (!Number.isInteger(index) || index < 0 || index >= count || seen.has(index)) {
      throw new RangeError(`reranker ${name} returned a bad or repeated index ${String(index)} for ${count} documents`);
    }
    if (typeof score !== 'number') throw new TypeError(`reranker ${name} returned a non-numeric score`);
    seen.add(index);
  }
  return results as RerankResult[];
}
