/**
 * Timings of the progressive path, the score cache and the budget, for any reranker with
 * `rankDetailed` (the engine in Node, the worker client in a page): `npm run bench` runs the same
 * code in both places.
 */
import type { DetailedRankOptions, RankReport } from '../src/engine/types.js';

interface DetailedRanker {
  rankDetailed(query: string, documents: string[], options?: DetailedRankOptions): Promise<RankReport>;
}

/** One progressive rank (time to its first partial and to the result), then the same call again (cached). */
export async function timeProgressive(reranker: DetailedRanker, query: string, documents: string[]) {
  const started = performance.now();
  let firstPartialMs = NaN;
  let partials = 0;
  let firstScored = 0;
  await reranker.rankDetailed(query, documents, {
    onPartial: (partial) => {
      if (partials++ > 0) return;
      firstPartialMs = performance.now() - started;
      firstScored = partial.scored;
    },
  });
  const fullMs = performance.now() - started;
  const again = performance.now();
  const cached = await reranker.rankDetailed(query, documents);
  return {
    firstPartialMs,
    fullMs,
    partials,
    firstScored,
    cachedMs: performance.now() - again,
    cacheHits: cached.cacheHits,
  };
}

/** A rank within `budgetMs`: the plan's prediction next to the time it took. */
export async function timeBudget(reranker: DetailedRanker, query: string, documents: string[], budgetMs: number) {
  const started = performance.now();
  const report = await reranker.rankDetailed(query, documents, { budgetMs });
  return { measuredMs: performance.now() - started, plan: report.plan, scored: report.scored };
}
