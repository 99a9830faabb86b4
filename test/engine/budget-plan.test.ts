import { describe, expect, test } from 'vitest';
import { planBudget, runShapes } from '../../src/engine/budget-plan.js';
import { CostModel, type CostCoefficients } from '../../src/engine/cost-model.js';
import { InvalidInputError } from '../../src/engine/errors.js';

/** A known cost: 5 ms per run, 0.5 ms per token, 0.5 us per row x width^2. */
const COEFFICIENTS: CostCoefficients = { overheadMs: 5, perTokenMs: 0.5, perTokenSquaredMs: 0.0005 };
const cost = new CostModel(COEFFICIENTS); // no observations: predicts exactly these

/** 20 candidates, mostly longer than 512 tokens (capped at the model's 512), a few short ones. */
const LENGTHS = [512, 512, 400, 512, 90, 512, 300, 512, 512, 60, 512, 512, 250, 512, 512, 512, 180, 512, 512, 512];
const base = { tokenLengths: LENGTHS, maxLength: 512, minimumMaxLength: 128, batchTokens: 8192, cost };
const predicted = (candidates: number, maxLength: number) =>
  cost.predict(
    runShapes(
      LENGTHS.slice(0, candidates).map((l) => Math.min(l, maxLength)),
      8192,
    ),
  );

/*
 * The costs the plans are judged by, worked out by hand (run cost = 5 + 0.5 t + 0.0005 t w for t = rows x w
 * padded tokens; batches of at most 8192 padded tokens, longest rows first):
 * - all 20 at 512: rows 14 x 512, 400, 300 -> one run of 16 x 512 (t 8192): 5 + 4096 + 2097.152;
 *   then 250, 180, 90, 60 -> 4 x 250 (t 1000): 5 + 500 + 125. Total 6828.152.
 * - all 20 at 128: 18 x 128, 90, 60 -> one run of 20 x 128 (t 2560): 5 + 1280 + 163.84 = 1448.84.
 * - the first one at 128: 1 x 128 (t 128): 5 + 64 + 8.192 = 77.192.
 */
const FULL = 6828.152;
const ALL_AT_MINIMUM = 1448.84;
const FIRST_AT_MINIMUM = 77.192;

test('the predictor these tests use agrees with the hand-worked costs', () => {
  expect(predicted(20, 512)).toBeCloseTo(FULL, 9);
  expect(predicted(20, 128)).toBeCloseTo(ALL_AT_MINIMUM, 9);
  expect(predicted(1, 128)).toBeCloseTo(FIRST_AT_MINIMUM, 9);
});

describe('planBudget choices', () => {
  test('a large budget: all candidates at the full maxLength, with the predicted time of those runs', () => {
    for (const budgetMs of [FULL * 2, FULL + 1e-6]) {
      const plan = planBudget({ ...base, budgetMs });
      expect(plan).toMatchObject({ candidates: 20, maxLength: 512 });
      expect(plan.predictedMs).toBeCloseTo(FULL, 9);
    }
  });

  test('a tighter budget: all candidates, shorter maxLength, the longest that fits', () => {
    const budgetMs = (FULL + ALL_AT_MINIMUM) / 2;
    const plan = planBudget({ ...base, budgetMs });
    expect(plan.candidates).toBe(20);
    expect(plan.maxLength).toBeGreaterThan(128);
    expect(plan.maxLength).toBeLessThan(512);
    expect(plan.predictedMs).toBeLessThanOrEqual(budgetMs);
    expect(plan.predictedMs).toBe(predicted(20, plan.maxLength));
    expect(predicted(20, plan.maxLength + 1)).toBeGreaterThan(budgetMs);
  });

  test('tighter still: fewer candidates (the first ones), each read as long as the budget allows', () => {
    const budgetMs = ALL_AT_MINIMUM * 0.5;
    const plan = planBudget({ ...base, budgetMs });
    expect(plan.candidates).toBeGreaterThanOrEqual(1);
    expect(plan.candidates).toBeLessThan(20);
    expect(plan.maxLength).toBeGreaterThanOrEqual(128);
    expect(plan.predictedMs).toBeLessThanOrEqual(budgetMs);
    expect(predicted(plan.candidates + 1, 128)).toBeGreaterThan(budgetMs); // no more candidates fit even at the minimum
    if (plan.maxLength < 512) expect(predicted(plan.candidates, plan.maxLength + 1)).toBeGreaterThan(budgetMs);
  });

  test('never zero candidates: a budget nothing fits gets the first candidate at the minimum, and says it misses', () => {
    const plan = planBudget({ ...base, budgetMs: 1 });
    expect(plan).toMatchObject({ candidates: 1, maxLength: 128 });
    expect(plan.predictedMs).toBeCloseTo(FIRST_AT_MINIMUM, 9);
    expect(plan.predictedMs).toBeGreaterThan(1);
  });

  test('over a sweep of budgets: within budget whenever one candidate fits, and more budget never means fewer tokens', () => {
    let previous = { candidates: 0, maxLength: 0 };
    for (let budgetMs = 10; budgetMs <= FULL * 1.1; budgetMs *= 1.15) {
      const plan = planBudget({ ...base, budgetMs });
      expect(plan.candidates).toBeGreaterThanOrEqual(1);
      if (FIRST_AT_MINIMUM <= budgetMs) expect(plan.predictedMs).toBeLessThanOrEqual(budgetMs);
      expect(plan.candidates).toBeGreaterThanOrEqual(previous.candidates);
      if (plan.candidates === previous.candidates) expect(plan.maxLength).toBeGreaterThanOrEqual(previous.maxLength);
      previous = plan;
    }
    expect(previous).toMatchObject({ candidates: 20, maxLength: 512 });
  });

  test('short candidates: when shortening cannot save time, candidates are dropped and maxLength stays', () => {
    const tokenLengths = Array.from({ length: 30 }, () => 100);
    const all = cost.predict(runShapes(tokenLengths, 8192));
    const plan = planBudget({ ...base, tokenLengths, budgetMs: all / 2 });
    expect(plan.candidates).toBeLessThan(30);
    expect(plan.maxLength).toBe(512);
  });

  test('a minimumMaxLength above the caller maxLength means the caller maxLength', () => {
    const plan = planBudget({ ...base, maxLength: 100, minimumMaxLength: 128, budgetMs: 1 });
    expect(plan).toMatchObject({ candidates: 1, maxLength: 100 });
  });

  test('the plan simulates the engine batching: a smaller batchTokens means more runs, more overhead', () => {
    const tokenLengths = Array.from({ length: 40 }, () => 64);
    const few = planBudget({ ...base, tokenLengths, budgetMs: 1e9 });
    const many = planBudget({ ...base, tokenLengths, batchTokens: 64, budgetMs: 1e9 });
    expect(many.predictedMs - few.predictedMs).toBeCloseTo(COEFFICIENTS.overheadMs * (40 - 1), 6);
  });

  test('an uncalibrated model still gives a sane plan (from the default prior)', () => {
    const plan = planBudget({ ...base, cost: new CostModel(), budgetMs: 500 });
    expect(plan.candidates).toBeGreaterThanOrEqual(1);
    expect(plan.candidates).toBeLessThanOrEqual(20);
    expect(Number.isFinite(plan.predictedMs)).toBe(true);
  });

  test('no candidates: nothing to plan', () => {
    expect(planBudget({ ...base, tokenLengths: [], budgetMs: 100 })).toEqual({
      candidates: 0,
      maxLength: 512,
      predictedMs: 0,
    });
  });
});

describe('planBudget input checks', () => {
  test('budgetMs must be a positive finite number (typed error for the caller)', () => {
    for (const budgetMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '100', null, undefined]) {
      expect(() => planBudget({ ...base, budgetMs: budgetMs as number })).toThrow(InvalidInputError);
    }
    expect(() => planBudget({ ...base, budgetMs: 0 })).toThrow(/budgetMs must be a positive number, got 0/);
  });

  test('engine-supplied numbers that make no sense are bugs: RangeError', () => {
    expect(() => planBudget({ ...base, budgetMs: 100, tokenLengths: [10, 0] })).toThrow(RangeError);
    expect(() => planBudget({ ...base, budgetMs: 100, tokenLengths: [10, 2.5] })).toThrow(RangeError);
    expect(() => planBudget({ ...base, budgetMs: 100, maxLength: 0 })).toThrow(RangeError);
    expect(() => planBudget({ ...base, budgetMs: 100, minimumMaxLength: Number.NaN })).toThrow(RangeError);
    expect(() => planBudget({ ...base, budgetMs: 100, batchTokens: 0 })).toThrow(RangeError);
  });
});
