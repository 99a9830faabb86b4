/** PROVISIONAL (replaced by the budget branch). */
import { planBatches } from './batching.js';
import type { CostModel } from './cost-model.js';

export interface BudgetPlan {
  candidates: number;
  maxLength: number;
  predictedMs: number;
}

export function planBudget(input: { budgetMs: number; tokenLengths: readonly number[]; maxLength: number; minimumMaxLength: number; batchTokens: number; cost: CostModel }): BudgetPlan {
  const predict = (n: number, maxLength: number) => {
    const lengths = input.tokenLengths.slice(0, n).map((l) => Math.min(l, maxLength));
    return input.cost.predict(planBatches(lengths, input.batchTokens).map((b) => ({ rows: b.length, width: Math.max(...b.map((i) => lengths[i]!)) })));
  };
  let n = input.tokenLengths.length;
  while (n > 1 && predict(n, input.maxLength) > input.budgetMs) n--;
  return { candidates: n, maxLength: input.maxLength, predictedMs: predict(n, input.maxLength) };
}
