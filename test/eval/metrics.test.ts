import { describe, expect, it } from 'vitest';
import {
  evaluateRankings,
  hitRateAt,
  ndcgAt,
  rankByScore,
  recallAt,
  reciprocalRankAt,
} from '../../src/eval/metrics.js';

const judged = (entries: [string, number][]) => new Map(entries);

describe('per-query metrics', () => {
  // Relevant: b (rel 2), d (rel 1); c is judged non-relevant (0); e is unjudged.
  const qrels = judged([
    ['b', 2],
    ['c', 0],
    ['d', 1],
  ]);
  const ranking = ['a', 'b', 'c', 'd', 'e'];

  it('hitRate@k is 1 once any relevant document is within k', () => {
    expect(hitRateAt(ranking, qrels, 1)).toBe(0); // top 1 = a
    expect(hitRateAt(ranking, qrels, 2)).toBe(1); // b at 2
    expect(hitRateAt(['a', 'c', 'e'], qrels, 3)).toBe(0); // judged 0 is not relevant
  });

  it('MRR@k is 1 / rank of the first relevant document within k', () => {
    expect(reciprocalRankAt(ranking, qrels, 1)).toBe(0);
    expect(reciprocalRankAt(ranking, qrels, 5)).toBe(1 / 2);
    expect(reciprocalRankAt(['a', 'c', 'd'], qrels, 3)).toBe(1 / 3);
  });

  it('Recall@k counts relevant documents found over all relevant', () => {
    expect(recallAt(ranking, qrels, 2)).toBe(1 / 2); // b of {b, d}
    expect(recallAt(ranking, qrels, 4)).toBe(1); // b and d
  });

  it('NDCG@k uses graded gain, log2 discount and the ideal order from the qrels', () => {
    // DCG@5 = 2 / log2(3) + 1 / log2(5) = 1.261860 + 0.430677 = 1.692537
    // IDCG  = 2 / log2(2) + 1 / log2(3) = 2 + 0.630930 = 2.630930
    expect(ndcgAt(ranking, qrels, 5)).toBeCloseTo(1.692537 / 2.63093, 6);
    // @2: DCG = 2 / log2(3) = 1.261860; IDCG@2 still 2.630930
    expect(ndcgAt(ranking, qrels, 2)).toBeCloseTo(1.26186 / 2.63093, 6);
    // @1: DCG 0 (a); IDCG@1 = 2
    expect(ndcgAt(ranking, qrels, 1)).toBe(0);
    expect(ndcgAt(['b', 'd'], qrels, 10)).toBeCloseTo(1, 12);
    // The wrong order: DCG = 1 + 2 / log2(3) = 2.261860 -> 2.261860 / 2.630930
    expect(ndcgAt(['d', 'b'], qrels, 10)).toBeCloseTo(2.26186 / 2.63093, 5);
  });

  it('ideal DCG counts relevant documents the ranking never retrieved', () => {
    // Only d retrieved, at rank 1: DCG 1; IDCG 2.630930
    expect(ndcgAt(['d'], qrels, 10)).toBeCloseTo(1 / 2.63093, 5);
  });

  it('counts a repeated document only at its first position', () => {
    // [b, b, d]: dedupe -> [b, d] = ideal order
    expect(ndcgAt(['b', 'b', 'd'], qrels, 10)).toBeCloseTo(1, 12);
    // With the duplicate not deduped, d would sit at rank 3 and recall@2 would be 1/2.
    expect(recallAt(['b', 'b', 'd'], qrels, 2)).toBe(1);
  });

  it('scores 0 for a query without relevant documents', () => {
    const none = judged([['a', 0]]);
    for (const metric of [hitRateAt, reciprocalRankAt, recallAt, ndcgAt]) expect(metric(['a'], none, 10)).toBe(0);
  });

  it('rejects a bad k', () => {
    expect(() => ndcgAt(ranking, qrels, 0)).toThrow(RangeError);
    expect(() => recallAt(ranking, qrels, 1.5)).toThrow(RangeError);
  });
});

describe('rankByScore', () => {
  it('sorts by descending score and keeps input order on ties, NaN last', () => {
    const ranked = rankByScore([
      { id: 'a', score: 1 },
      { id: 'b', score: Number.NaN },
      { id: 'c', score: 3 },
      { id: 'd', score: 1 },
      { id: 'e', score: 3 },
    ]);
    expect(ranked).toEqual(['c', 'e', 'a', 'd', 'b']);
  });
});

describe('evaluateRankings', () => {
  it('averages over queries with relevant documents only', () => {
    const qrels = new Map([
      ['q1', judged([['x', 1]])],
      [
        'q2',
        judged([
          ['y', 1],
          ['z', 1],
        ]),
      ],
      ['q3', judged([['x', 0]])], // no relevant document: left out
      ['q4', judged([['w', 1]])], // never ranked: all zeros
    ]);
    const rankings = new Map([
      ['q1', ['x']],
      ['q2', ['a', 'z', 'b', 'y']],
      ['q3', ['x']],
    ]);
    const summary = evaluateRankings(rankings, qrels, 2);
    // q1: hit 1, rr 1, recall 1, ndcg 1
    // q2 @2: hit 1, rr 1/2, recall 1/2; ndcg@10 = (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3))
    //        = (0.630930 + 0.430677) / 1.630930 = 0.650921
    // q4: zeros
    expect(summary.queries).toBe(3);
    expect(summary.k).toBe(2);
    expect(summary.hitRate).toBeCloseTo(2 / 3, 12);
    expect(summary.mrr).toBeCloseTo(1.5 / 3, 12);
    expect(summary.recall).toBeCloseTo(1.5 / 3, 12);
    expect(summary.ndcg10).toBeCloseTo((1 + 0.650921) / 3, 5);
  });

  it('gives zeros, not NaN, when nothing is judged', () => {
    expect(evaluateRankings(new Map(), new Map(), 10)).toEqual({
      queries: 0,
      k: 10,
      hitRate: 0,
      mrr: 0,
      ndcg10: 0,
      recall: 0,
    });
  });
});
