/**
 * Reciprocal rank fusion (Cormack et al. 2009): an item scores sum(weight / (k + rank)) over the
 * ranked lists it appears in. Ranks, not scores, are fused, so lists from unrelated scorers (BM25
 * fields, an app's own vector search) combine without calibration.
 */
import { describeType, InvalidInputError } from './errors.js';

/** The k of the original paper and of most hybrid retrievers. */
export const DEFAULT_RRF_K = 60;

export interface FusionOptions {
  /** Damps the head of each list: larger k, flatter fusion. Default 60. */
  k?: number;
  /** One per list, default 1 each. */
  weights?: readonly number[];
}

export interface FusedItem {
  id: string;
  score: number;
}

/**
 * Fuses any number of rankings (ids best first; a repeated id counts at its first position) into one,
 * best first. Equal fused scores keep the order in which ids were first met, list by list.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], options: FusionOptions = {}): FusedItem[] {
  if (!Array.isArray(lists)) throw new InvalidInputError(`lists must be an array, got ${describeType(lists)}`);
  const k = checkK(options.k ?? DEFAULT_RRF_K);
  const weights = checkWeights(options.weights, lists.length);
  const scores = new Map<string, number>();
  lists.forEach((list, l) => {
    if (!Array.isArray(list)) throw new InvalidInputError(`lists[${l}] must be an array, got ${describeType(list)}`);
    const seen = new Set<string>();
    let rank = 0;
    for (const id of list as unknown[]) {
      if (typeof id !== 'string') throw new InvalidInputError(`lists[${l}] holds a non-string id`);
      if (seen.has(id)) continue;
      seen.add(id);
      rank++;
      scores.set(id, (scores.get(id) ?? 0) + weights[l]! / (k + rank));
    }
  });
  // Map iteration is first-seen order and Array.prototype.sort is stable.
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/**
 * The index's form: each array scores the same documents (0 = not retrieved); returns fused scores
 * per document, 0 for documents no list retrieved. Ties within a list rank by document position.
 */
export function fuseRanks(scoreLists: readonly Float64Array[], weights: readonly number[], k: number): Float64Array {
  const size = scoreLists[0]?.length ?? 0;
  const fused = new Float64Array(size);
  scoreLists.forEach((scores, l) => {
    const matched: number[] = [];
    for (let doc = 0; doc < size; doc++) if (scores[doc]! > 0) matched.push(doc);
    matched.sort((a, b) => scores[b]! - scores[a]! || a - b);
    matched.forEach((doc, rank) => {
      fused[doc]! += weights[l]! / (k + rank + 1);
    });
  });
  return fused;
}

function checkK(k: number): number {
  if (!(Number.isFinite(k) && k >= 0)) throw new InvalidInputError(`k must be a finite number >= 0, got ${k}`);
  return k;
}

function checkWeights(weights: readonly number[] | undefined, count: number): readonly number[] {
  if (weights === undefined) return new Array<number>(count).fill(1);
  if (!Array.isArray(weights) || weights.length !== count)
    throw new InvalidInputError(`weights must hold one number per list (${count})`);
  weights.forEach((weight, i) => {
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new InvalidInputError(`weights[${i}] must be a finite number >= 0, got ${weight}`);
  });
  return weights;
}
