/** Issue 11: the order in which a progressive call scores candidates, and the reports built from it. */
import { describe, expect, test } from 'vitest';
import { planBatches } from '../../src/engine/batching.js';
import { buildReport } from '../../src/engine/rank-report.js';
import { FIRST_SLICE_TOKENS, scoringBatches, sliceCandidates } from '../../src/engine/scoring-order.js';

describe('sliceCandidates', () => {
  test('consecutive slices of at most the token budget, every candidate once, in order', () => {
    const tokens = [100, 300, 50, 400, 200, 200, 900, 10];
    const slices = sliceCandidates(tokens, 500);
    expect(slices.flat()).toEqual(tokens.map((_, i) => i));
    for (const slice of slices) {
      // Consecutive indices...
      expect(slice).toEqual(slice.map((_, k) => slice[0]! + k));
      // ...within the budget unless one candidate alone is larger.
      if (slice.length > 1) expect(slice.reduce((s, i) => s + tokens[i]!, 0)).toBeLessThanOrEqual(500);
    }
    expect(slices).toEqual([[0, 1, 2], [3], [4, 5], [6], [7]]);
  });

  test('slices grow from the first budget, doubling up to the largest', () => {
    const slices = sliceCandidates(new Array(40).fill(100), 1600, 200);
    expect(slices.map((s) => s.length)).toEqual([2, 4, 8, 16, 10]);
  });

  test('an empty list has no slices', () => {
    expect(sliceCandidates([], 100)).toEqual([]);
  });
});

describe('scoringBatches', () => {
  const lengths = [40, 10, 30, 20, 50, 15, 25, 35];
  const rows = lengths.map((length, candidate) => ({ candidate, length }));
  const all = lengths.map((_, i) => i);

  test('a plain call sorts all rows by length, exactly as planBatches', () => {
    expect(scoringBatches(rows, all, 100, false)).toEqual(planBatches(lengths, 100));
  });

  test('a progressive call finishes the first slice of first-stage candidates before touching later ones', () => {
    const batches = scoringBatches(rows, all, 100, true);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(all);
    const slices = sliceCandidates(lengths, 100, FIRST_SLICE_TOKENS);
    // Each batch belongs to one slice, and slices come in order.
    const sliceOf = (row: number) => slices.findIndex((s) => s.includes(row));
    const order = batches.map((batch) => {
      const owners = new Set(batch.map(sliceOf));
      expect(owners.size).toBe(1);
      return [...owners][0]!;
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The very first run holds only the best first-stage candidates.
    expect(Math.max(...batches[0]!)).toBeLessThan(slices[0]!.length);
    // Within a slice rows are length-sorted (longest first), as planBatches does.
    for (const batch of batches)
      for (let k = 1; k < batch.length; k++) expect(lengths[batch[k]!]!).toBeLessThanOrEqual(lengths[batch[k - 1]!]!);
  });

  test('only the listed candidates are scheduled; all rows of a windowed candidate go together', () => {
    const windowed = [
      { candidate: 0, length: 30 },
      { candidate: 0, length: 30 },
      { candidate: 1, length: 20 },
      { candidate: 2, length: 25 },
      { candidate: 2, length: 25 },
    ];
    const batches = scoringBatches(windowed, [0, 2], 1000, true);
    expect(batches.flat().sort()).toEqual([0, 1, 3, 4]);
  });
});

describe('buildReport', () => {
  const documents = ['a', 'b', 'c', 'd', 'e'];
  const base = {
    documents,
    activation: 'none' as const,
    topK: 5,
    returnDocuments: false,
    final: false,
    cacheHits: 0,
    elapsedMs: 1,
  };

  test('scored documents best first, then the unscored ones in first-stage order', () => {
    const report = buildReport({ ...base, logits: [undefined, 0.5, undefined, 2, undefined] });
    expect(report.results).toEqual([
      { index: 3, score: 2 },
      { index: 1, score: 0.5 },
    ]);
    expect(report.unscored).toEqual([0, 2, 4]);
    expect(report).toMatchObject({ scored: 2, total: 5, final: false });
  });

  test('topK cuts the scored list only; softmax sums to one over the scored documents', () => {
    const report = buildReport({
      ...base,
      activation: 'softmax',
      topK: 1,
      returnDocuments: true,
      logits: [1, undefined, 3, 2, undefined],
    });
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ index: 2, document: 'c' });
    expect(report.unscored).toEqual([1, 4]);
    const all = buildReport({ ...base, activation: 'softmax', logits: [1, undefined, 3, 2, undefined] });
    expect(all.results.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 12);
  });

  test('equal logits keep first-stage order; a plan is passed through', () => {
    const plan = { candidates: 3, maxLength: 256, predictedMs: 40 };
    const report = buildReport({ ...base, logits: [1, 1, 1, undefined, undefined], plan, final: true });
    expect(report.results.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(report.plan).toEqual(plan);
  });
});
