import { describe, expect, test } from 'vitest';
import { InvalidInputError } from '../../src/engine/errors.js';
import { candidatePositions, changedPositions, planOrder } from '../../src/dropin/order.js';

const scored = (scores: number[]) => scores.map((score, index) => ({ index, score }));

describe('planOrder', () => {
  test('orders every scored item by score, best first', () => {
    const plan = planOrder(4, scored([0.1, 0.9, 0.5, 0.7]));
    expect(plan.order).toEqual([1, 3, 2, 0]);
    expect(plan.reranked.map((r) => r.index)).toEqual([1, 3, 2, 0]);
    expect(plan.scores).toEqual([0.1, 0.9, 0.5, 0.7]);
  });

  test('equal scores keep page order, whatever order the scores arrive in', () => {
    const input = [
      { index: 3, score: 0.5 },
      { index: 0, score: 0.2 },
      { index: 2, score: 0.5 },
      { index: 1, score: 0.5 },
    ];
    expect(planOrder(4, input).order).toEqual([1, 2, 3, 0]);
    expect(planOrder(4, [...input].reverse()).order).toEqual([1, 2, 3, 0]);
  });

  test('NaN scores go last, in page order; infinities sort like numbers', () => {
    expect(planOrder(5, scored([NaN, 0.3, Infinity, NaN, -Infinity])).order).toEqual([2, 1, 4, 0, 3]);
    expect(planOrder(2, scored([Infinity, Infinity])).order).toEqual([0, 1]);
  });

  test('topK: the best K lead, the rest keep their page order after them', () => {
    const plan = planOrder(6, scored([0.6, 0.1, 0.9, 0.3, 0.8, 0.2]), { topK: 2 });
    expect(plan.order).toEqual([2, 4, 0, 1, 3, 5]);
    expect(plan.reranked).toEqual([
      { index: 2, score: 0.9 },
      { index: 4, score: 0.8 },
    ]);
    expect(plan.scores).toHaveLength(6); // every scored item keeps its score
  });

  test('topK larger than the list places everything by score', () => {
    expect(planOrder(3, scored([0.1, 0.3, 0.2]), { topK: 10 }).order).toEqual([1, 2, 0]);
  });

  test('unscored items (beyond limit) stay after the scored ones, in page order', () => {
    const plan = planOrder(5, scored([0.1, 0.9]));
    expect(plan.order).toEqual([1, 0, 2, 3, 4]);
    expect(plan.scores).toEqual([0.1, 0.9, undefined, undefined, undefined]);
  });

  test('limit and topK together: top K of the first `limit`, then the other scored ones, then the rest', () => {
    const positions = candidatePositions(6, 4);
    const plan = planOrder(
      6,
      positions.map((index) => ({ index, score: [0.2, 0.4, 0.9, 0.1][index]! })),
      { topK: 1 },
    );
    expect(plan.order).toEqual([2, 0, 1, 3, 4, 5]);
  });

  test('the order is always a permutation of the positions', () => {
    for (let count = 0; count < 12; count++) {
      for (const topK of [1, 3, undefined]) {
        const scores = Array.from({ length: count }, (_, i) => ((i * 7919) % 5) / 5);
        const order = planOrder(count, scored(scores).slice(0, Math.ceil(count / 2)), { topK }).order;
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      }
    }
  });

  test('refuses bad input with typed errors', () => {
    expect(() => planOrder(2, [{ index: 2, score: 1 }])).toThrow(InvalidInputError);
    expect(() =>
      planOrder(2, [
        { index: 0, score: 1 },
        { index: 0, score: 2 },
      ]),
    ).toThrow(/scored twice/);
    expect(() => planOrder(2, [{ index: 0, score: '1' as unknown as number }])).toThrow(/not a number/);
    expect(() => planOrder(2, [], { topK: 0 })).toThrow(/topK must be an integer of at least 1, got 0/);
    expect(() => planOrder(2, [], { topK: 1.5 })).toThrow(InvalidInputError);
    expect(() => planOrder(-1, [])).toThrow(/count/);
  });
});

describe('candidatePositions', () => {
  test('the first `limit` positions, or all', () => {
    expect(candidatePositions(5)).toEqual([0, 1, 2, 3, 4]);
    expect(candidatePositions(5, 2)).toEqual([0, 1]);
    expect(candidatePositions(2, 9)).toEqual([0, 1]);
    expect(() => candidatePositions(5, 0)).toThrow(/limit must be an integer of at least 1/);
    expect(() => candidatePositions(5, NaN)).toThrow(InvalidInputError);
  });
});

describe('changedPositions', () => {
  test('only the positions whose item changes', () => {
    expect(changedPositions([0, 1, 2])).toEqual([]);
    expect(changedPositions([0, 2, 1, 3])).toEqual([1, 2]);
  });
});
