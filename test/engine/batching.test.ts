import { describe, expect, test } from 'vitest';
import { planBatches } from '../../src/engine/batching.js';

describe('planBatches', () => {
  test('every index appears exactly once', () => {
    const lengths = [5, 300, 12, 12, 80, 512, 7, 64, 64, 3];
    const batches = planBatches(lengths, 600);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  });

  test('padded size (rows x longest) never exceeds the budget unless a row alone does', () => {
    const lengths = [5, 300, 12, 12, 80, 512, 7, 64, 64, 3, 200, 199];
    for (const budget of [100, 512, 1000, 4096]) {
      for (const batch of planBatches(lengths, budget)) {
        const longest = Math.max(...batch.map((i) => lengths[i]!));
        if (batch.length > 1) expect(longest * batch.length).toBeLessThanOrEqual(budget);
      }
    }
  });

  test('groups similar lengths: longest first, stable for equal lengths', () => {
    expect(planBatches([10, 50, 10, 50, 30], 100)).toEqual([
      [1, 3],
      [4, 0, 2],
    ]);
  });

  test('a budget smaller than one row still makes progress, one row per batch', () => {
    expect(planBatches([20, 30], 10)).toEqual([[1], [0]]);
  });
});
