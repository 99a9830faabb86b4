/**
 * Fits a rerank into a latency budget: how many candidates to score, and how many tokens of each to
 * read, so that the predicted model time stays within `budgetMs`.
 *
 * Policy, in this order:
 * 1. Everything (all candidates at the caller's maxLength) when it fits.
 * 2. Else all candidates at the longest maxLength that fits, down to `minimumMaxLength`. Scoring every
 *    candidate on its first tokens beats never looking at some: a passage left out keeps its
 *    first-stage rank, however relevant, while a shortened one is still judged on its opening, where
 *    passages usually say what they are about.
 * 3. Else the most candidates (the first n in first-stage order, the ones most likely relevant) that
 *    fit at `minimumMaxLength`, then the longest maxLength those n fit at, so no budget is left unused.
 * 4. At least one candidate, even when nothing fits: the caller asked for a rerank, and the plan's
 *    `predictedMs` then says by how much the budget will be missed.
 *
 * The prediction simulates the engine's batching (planBatches over each candidate's length cut to
 * maxLength), so padding and the number of runs are those the engine will make.
 */
import { planBatches } from './batching.js';
import type { CostModel, RunShape } from './cost-model.js';
import { InvalidInputError } from './errors.js';
import { positiveNumber } from './validation.js';

export interface BudgetPlan {
  /** Score the first `candidates` documents in first-stage order. */
  candidates: number;
  /** Tokens per pair, special tokens included. */
  maxLength: number;
  /** Predicted model time of the plan in ms (tokenization and the rest not included). */
  predictedMs: number;
}

export interface BudgetInput {
  budgetMs: number;
  /** Per candidate in first-stage order: the pair's tokens with special tokens, untruncated but capped at the model's max. */
  tokenLengths: readonly number[];
  /** The caller's cap (default the model's max). */
  maxLength: number;
  /** Smallest maxLength worth using (e.g. 128); a larger value than maxLength means maxLength. */
  minimumMaxLength: number;
  batchTokens: number;
  cost: CostModel;
}

/** The runs the engine makes for these pair lengths: each batch is padded to its longest row. */
export function runShapes(lengths: readonly number[], batchTokens: number): RunShape[] {
  return planBatches(lengths, batchTokens).map((batch) => ({
    rows: batch.length,
    width: Math.max(...batch.map((i) => lengths[i]!)),
  }));
}

/**
 * The plan for this budget. With no observations the cost model predicts from its prior (a base-size
 * model on WASM, see DEFAULT_PRIOR), so an uncalibrated plan is a cautious one, not a refusal.
 */
export function planBudget(input: BudgetInput): BudgetPlan {
  const budgetMs = positiveNumber('budgetMs', input.budgetMs, undefined);
  if (budgetMs === undefined) throw new InvalidInputError('budgetMs is required to plan a budget');
  const { tokenLengths, batchTokens, cost } = input;
  const maxLength = integerAtLeast('maxLength', input.maxLength, 1);
  const minimum = Math.min(integerAtLeast('minimumMaxLength', input.minimumMaxLength, 1), maxLength);
  integerAtLeast('batchTokens', batchTokens, 1);
  tokenLengths.forEach((length, i) => integerAtLeast(`tokenLengths[${i}]`, length, 1));
  if (tokenLengths.length === 0) return { candidates: 0, maxLength, predictedMs: 0 };

  const predicted = (candidates: number, length: number) =>
    cost.predict(
      runShapes(
        tokenLengths.slice(0, candidates).map((l) => Math.min(l, length)),
        batchTokens,
      ),
    );
  const plan = (candidates: number, length: number): BudgetPlan => ({
    candidates,
    maxLength: length,
    predictedMs: predicted(candidates, length),
  });
  const fits = (candidates: number, length: number) => predicted(candidates, length) <= budgetMs;

  const all = tokenLengths.length;
  if (fits(all, maxLength)) return plan(all, maxLength);
  if (fits(all, minimum))
    return plan(
      all,
      largest(minimum, maxLength, (length) => fits(all, length)),
    );
  if (!fits(1, minimum)) return plan(1, minimum);
  const candidates = largest(1, all, (n) => fits(n, minimum));
  return plan(
    candidates,
    largest(minimum, maxLength, (length) => fits(candidates, length)),
  );
}

/**
 * The largest value in [low, high] that passes, given that `low` passes. Binary search: predicted time
 * only grows with more candidates or tokens (batching can add a run's overhead in rare cases, so the
 * found value passes, though a larger one might in theory too).
 */
function largest(low: number, high: number, passes: (value: number) => boolean): number {
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (passes(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Engine-supplied numbers: a wrong one is a bug in the caller, not user input. */
function integerAtLeast(name: string, value: number, minimum: number): number {
  if (!(Number.isInteger(value) && value >= minimum))
    throw new RangeError(`planBudget: ${name} must be an integer of at least ${minimum}, got ${value}`);
  return value;
}
