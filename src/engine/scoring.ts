import type { Activation } from './types.js';

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Logits -> scores. `softmax` normalises across the whole list (the seed card's exp_normalize). */
export function applyActivation(logits: readonly number[], activation: Activation): number[] {
  switch (activation) {
    case 'none':
      return [...logits];
    case 'sigmoid':
      return logits.map(sigmoid);
    case 'softmax': {
      const max = Math.max(...logits);
      const exps = logits.map((x) => Math.exp(x - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      return exps.map((e) => e / sum);
    }
  }
}

/**
 * Indices best first by logit; equal logits keep the caller's order (lower index first).
 * Ranking by logit rather than by score means a saturated sigmoid (1.0 == 1.0) cannot hide a difference.
 */
export function rankOrder(logits: readonly number[], topK = logits.length): number[] {
  return logits
    .map((_, index) => index)
    .sort((a, b) => logits[b]! - logits[a]! || a - b)
    .slice(0, Math.max(0, topK));
}
