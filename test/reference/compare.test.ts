/**
 * The score comparisons behind every fidelity test and the converter's verify (issue 25, item 9):
 * an empty or short result must fail loudly, never pass a tolerance as -Infinity did.
 */
import { describe, expect, it } from 'vitest';
import { kendallTau, maxAbsDiff, normalisedError } from '../../src/reference/compare.js';

describe('maxAbsDiff', () => {
  it('is the largest absolute difference, in either argument order', () => {
    expect(maxAbsDiff([1, -2, 3], [1.5, -2, 0])).toBe(3);
    expect(maxAbsDiff([1.5, -2, 0], [1, -2, 3])).toBe(3);
    expect(maxAbsDiff(new Float32Array([0.25]), [0.25])).toBe(0);
  });

  it('is NaN when a value is NaN, so no tolerance passes', () => {
    expect(maxAbsDiff([0, Number.NaN], [0, 1])).toBeNaN();
  });

  it.each([
    ['an empty result', [], [1, 2], /differ in length \(0 and 2\)/],
    ['a longer result', [1, 2, 3], [1, 2], /differ in length \(3 and 2\)/],
    ['two empty lists', [], [], /needs at least 1 score, got 0/],
  ])('refuses %s', (_, a, b, message) => {
    expect(() => maxAbsDiff(a, b)).toThrow(RangeError);
    expect(() => maxAbsDiff(a, b)).toThrow(message);
  });
});

describe('kendallTau', () => {
  it('counts concordant minus discordant pairs over all pairs', () => {
    expect(kendallTau([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(kendallTau([1, 2, 3], [30, 20, 10])).toBe(-1);
    // Pairs (0,1) concordant, (0,2) concordant, (1,2) discordant: (2 - 1) / 3.
    expect(kendallTau([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 / 3, 12);
  });

  it.each([
    ['lists of different lengths', [1, 2], [1, 2, 3], /differ in length/],
    ['a single item (no pair)', [1], [1], /needs at least 2 scores, got 1/],
    ['empty lists', [], [], /needs at least 2 scores, got 0/],
  ])('refuses %s', (_, a, b, message) => {
    expect(() => kendallTau(a, b)).toThrow(message);
  });
});

describe('normalisedError', () => {
  it('is the rms difference over the reference standard deviation', () => {
    // Reference [0, 2]: mean 1, std 1; differences 1 and 1: rms 1.
    expect(normalisedError([0, 2], [1, 3])).toBe(1);
    expect(normalisedError([0, 2], [0, 2])).toBe(0);
  });

  it.each([
    ['an empty other list', [0, 2], [], /differ in length \(2 and 0\)/],
    ['a single item', [1], [1], /needs at least 2 scores, got 1/],
  ])('refuses %s', (_, a, b, message) => {
    expect(() => normalisedError(a, b)).toThrow(message);
  });
});
