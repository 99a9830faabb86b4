/**
 * Ranking metrics for one query, plus their mean over queries. Pure functions.
 *
 * Conventions:
 * - A ranking is a list of document ids, best first. Ties must already be broken by whoever built it:
 *   this project's rule (see rankByScore) is "higher score first, equal scores keep input order",
 *   where input order is insertion order for the first stage and first-stage rank for a reranker.
 * - A document is relevant when its qrels relevance is > 0. Unjudged documents count as non-relevant.
 * - A document id repeated in a ranking counts only at its first position.
 * - Cut-off k counts positions 1..k; a ranking shorter than k is not padded.
 * - NDCG uses linear gain (rel) and a log2(rank + 1) discount, as pytrec_eval / MTEB do; the ideal
 *   DCG sorts all judged relevances from the qrels, not only those retrieved.
 * - A query without any relevant document scores 0 on every metric here; evaluate() leaves such
 *   queries out of the means and reports them instead.
 */

/** docId -> graded relevance for one query. */
export type Judgements = ReadonlyMap<string, number>;

function dedupe(ranking: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ranking) {
    if (out.length >= k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

export function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

const checkK = (k: number): number => positiveInteger(k, 'k');

const relevanceOf = (judgements: Judgements, id: string): number => Math.max(0, judgements.get(id) ?? 0);

export function relevantCount(judgements: Judgements): number {
  let count = 0;
  for (const rel of judgements.values()) if (rel > 0) count++;
  return count;
}

/** 1 when any relevant document is in the top k ("has-right-in-contexts"), else 0. */
export function hitRateAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  checkK(k);
  return dedupe(ranking, k).some((id) => relevanceOf(judgements, id) > 0) ? 1 : 0;
}

/** 1 / rank of the first relevant document within the top k, else 0. */
export function reciprocalRankAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  checkK(k);
  const top = dedupe(ranking, k);
  const first = top.findIndex((id) => relevanceOf(judgements, id) > 0);
  return first < 0 ? 0 : 1 / (first + 1);
}

/** Share of the relevant documents found in the top k. */
export function recallAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  checkK(k);
  const total = relevantCount(judgements);
  if (total === 0) return 0;
  return dedupe(ranking, k).filter((id) => relevanceOf(judgements, id) > 0).length / total;
}

/** DCG@k / ideal DCG@k with gain rel and discount log2(rank + 1). */
export function ndcgAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  checkK(k);
  const dcg = dedupe(ranking, k).reduce((sum, id, i) => sum + relevanceOf(judgements, id) / Math.log2(i + 2), 0);
  const ideal = [...judgements.values()]
    .filter((rel) => rel > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, rel, i) => sum + rel / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

export interface Scored {
  id: string;
  score: number;
}

/** Sorts by descending score; equal scores (and NaN, which sinks last) keep their input order. */
export function rankByScore(items: readonly Scored[]): string[] {
  return items
    .map((item, position) => ({ item, position, score: Number.isNaN(item.score) ? -Infinity : item.score }))
    .sort((a, b) => b.score - a.score || a.position - b.position)
    .map(({ item }) => item.id);
}

export interface MetricSummary {
  /** Queries that entered the means. */
  queries: number;
  k: number;
  hitRate: number;
  mrr: number;
  /** Always at cut-off 10, the figure public leaderboards quote. */
  ndcg10: number;
  recall: number;
}

/**
 * Mean metrics over the queries that have at least one relevant document.
 * A query with relevant documents but no ranking counts as all zeros.
 */
export function evaluateRankings(
  rankings: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, Judgements>,
  k: number,
): MetricSummary {
  checkK(k);
  const sums = { hitRate: 0, mrr: 0, ndcg10: 0, recall: 0 };
  let queries = 0;
  for (const [queryId, judgements] of qrels) {
    if (relevantCount(judgements) === 0) continue;
    const ranking = rankings.get(queryId) ?? [];
    sums.hitRate += hitRateAt(ranking, judgements, k);
    sums.mrr += reciprocalRankAt(ranking, judgements, k);
    sums.ndcg10 += ndcgAt(ranking, judgements, 10);
    sums.recall += recallAt(ranking, judgements, k);
    queries++;
  }
  const mean = (sum: number): number => (queries === 0 ? 0 : sum / queries);
  return {
    queries,
    k,
    hitRate: mean(sums.hitRate),
    mrr: mean(sums.mrr),
    ndcg10: mean(sums.ndcg10),
    recall: mean(sums.recall),
  };
}
