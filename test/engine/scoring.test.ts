import { describe, expect, test } from 'vitest';
import { applyActivation, rankOrder, sigmoid } from '../../src/engine/scoring.js';

describe('activations', () => {
  test('sigmoid is stable for large magnitudes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(2)).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
  });

  test('softmax normalises across the list (exp_normalize)', () => {
    const scores = applyActivation([1, 2, 3], 'softmax');
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const sum = e[0]! + e[1]! + e[2]!;
    expect(scores.map((s) => s.toFixed(12))).toEqual(e.map((x) => (x / sum).toFixed(12)));
    expect(applyActivation([1000, 1001], 'softmax').every(Number.isFinite)).toBe(true);
  });

  test('none returns the logits', () => {
    expect(applyActivation([-1.5, 2], 'none')).toEqual([-1.5, 2]);
  });
});

describe('rankOrder', () => {
  test('best first, ties by lower index, topK cuts', () => {
    expect(rankOrder([0.2, 0.9, 0.2, 0.5], 3)).toEqual([1, 3, 0]);
    expect(rankOrder([3, 1, 2])).toEqual([0, 2, 1]);
  });

  test('logits that a sigmoid would saturate to the same score stay ordered', () => {
    expect(applyActivation([40, 41], 'sigmoid')).toEqual([1, 1]);
    expect(rankOrder([40, 41])).toEqual([1, 0]);
  });
});
