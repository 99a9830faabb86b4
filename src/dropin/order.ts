/**
 * The DOM-free part of reranking a result list in place: which item goes to which position.
 * Positions are indices into the list as it was read (0 = first item on the page).
 */
import { InvalidInputError } from '../engine/errors.js';
import { positiveInteger } from '../engine/validation.js';

export interface ScoredPosition {
  /** Position of the item in the list as it was read. */
  index: number;
  score: number;
}

export interface OrderOptions {
  /** Only the best `topK` scored items move to the front; the other items keep their relative order after them. */
  topK?: number;
}

export interface OrderPlan {
  /** `order[k]` is the old position of the item that goes to position k: a permutation of 0..count-1. */
  order: number[];
  /** The items placed by score, best first (at most topK of them). */
  reranked: ScoredPosition[];
  /** Score per old position; undefined for items that were not scored (beyond `limit`). */
  scores: Array<number | undefined>;
}

/** The first `limit` positions are the ones sent to the model; the rest are left where they are. */
export function candidatePositions(count: number, limit?: number): number[] {
  checkCount(count);
  return Array.from({ length: Math.min(count, positiveInteger('limit', limit, count)) }, (_, i) => i);
}

/**
 * Best score first; equal scores (and NaN, which sorts last) keep their page order, so the result is
 * the same on every run and a model that cannot tell two items apart does not swap them.
 */
export function planOrder(count: number, scored: readonly ScoredPosition[], options: OrderOptions = {}): OrderPlan {
  checkCount(count);
  positiveInteger('topK', options.topK, count);
  const scores: Array<number | undefined> = new Array(count).fill(undefined);
  for (const { index, score } of scored) {
    if (!Number.isInteger(index) || index < 0 || index >= count)
      throw new InvalidInputError(`score for position ${index} is outside the list of ${count} items`);
    if (scores[index] !== undefined) throw new InvalidInputError(`position ${index} was scored twice`);
    if (typeof score !== 'number') throw new InvalidInputError(`score for position ${index} is not a number`);
    scores[index] = score;
  }
  const ranked = scored
    .map(({ index, score }) => ({ index, score }))
    .sort((a, b) => compareScores(a.score, b.score) || a.index - b.index);
  const reranked = ranked.slice(0, options.topK ?? ranked.length);
  const placed = new Set(reranked.map((r) => r.index));
  const rest = Array.from({ length: count }, (_, i) => i).filter((i) => !placed.has(i));
  return { order: [...reranked.map((r) => r.index), ...rest], reranked, scores };
}

/** Descending, with NaN after every number. */
function compareScores(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return b - a;
}

/** Unlike an option, the count is required: undefined is an error too. */
function checkCount(count: unknown): void {
  if (count === undefined) throw new InvalidInputError('count must be an integer of at least 0, got undefined');
  positiveInteger('count', count, 0, 0);
}

/** Positions whose item changes: only these need a DOM move. */
export function changedPositions(order: readonly number[]): number[] {
  return order.flatMap((from, to) => (from === to ? [] : [to]));
}
