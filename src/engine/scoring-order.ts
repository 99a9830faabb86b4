/**
 * In what order the model runs score the rows of a call. Pure, so it is tested in Node.
 *
 * A plain call sorts ALL rows by length before batching: the least padding, the fastest full rank.
 * A progressive call (partial rankings, a latency budget) scores the candidates in first-stage order,
 * a slice at a time, so the first model runs cover the candidates most likely to matter; rows are
 * length-sorted only within a slice, which costs a little padding.
 */
import { planBatches } from './batching.js';

/**
 * The first slice's token budget: a few pairs (2 of 512 tokens), so the first partial ranking comes
 * early even when one pair costs half a second; later slices double up to a full batch, so the many
 * small runs cost little overall.
 */
export const FIRST_SLICE_TOKENS = 1024;

/**
 * Consecutive groups of candidates (at least one each): the first holds at most `firstSliceTokens`
 * tokens, each next one twice as many, up to `maxSliceTokens`.
 */
export function sliceCandidates(
  tokensPerCandidate: readonly number[],
  maxSliceTokens: number,
  firstSliceTokens = maxSliceTokens,
): number[][] {
  const slices: number[][] = [];
  let current: number[] = [];
  let held = 0;
  let sliceTokens = Math.min(firstSliceTokens, maxSliceTokens);
  tokensPerCandidate.forEach((tokens, candidate) => {
    if (current.length > 0 && held + tokens > sliceTokens) {
      slices.push(current);
      current = [];
      held = 0;
      sliceTokens = Math.min(sliceTokens * 2, maxSliceTokens);
    }
    current.push(candidate);
    held += tokens;
  });
  if (current.length > 0) slices.push(current);
  return slices;
}

export interface ScoringRow {
  /** Which candidate the row belongs to (a windowed passage has several rows). */
  candidate: number;
  length: number;
}

/**
 * Model runs as lists of row indices. `candidates` lists the candidates to score in first-stage order;
 * rows of other candidates are never scheduled.
 */
export function scoringBatches(
  rows: readonly ScoringRow[],
  candidates: readonly number[],
  batchTokens: number,
  progressive: boolean,
): number[][] {
  const wanted = new Set(candidates);
  const rowsOf = new Map<number, number[]>();
  rows.forEach((row, index) => {
    if (wanted.has(row.candidate)) rowsOf.set(row.candidate, [...(rowsOf.get(row.candidate) ?? []), index]);
  });
  const batchRows = (rowIndices: number[]) =>
    planBatches(
      rowIndices.map((i) => rows[i]!.length),
      batchTokens,
    ).map((batch) => batch.map((k) => rowIndices[k]!));
  if (!progressive) return batchRows(candidates.flatMap((c) => rowsOf.get(c) ?? []));

  const tokens = candidates.map((c) => (rowsOf.get(c) ?? []).reduce((sum, i) => sum + rows[i]!.length, 0));
  return sliceCandidates(tokens, batchTokens, FIRST_SLICE_TOKENS).flatMap((slice) =>
    batchRows(slice.flatMap((k) => rowsOf.get(candidates[k]!) ?? [])),
  );
}
