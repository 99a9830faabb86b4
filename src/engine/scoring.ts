import type { Activation, RankedDocument } from './types.js';

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

/** Best first; equal scores keep the caller's order (lower index first), so results are deterministic. */
export function rankScores(scores: readonly number[], topK = scores.length): RankedDocument[] {
  return scores
    .map((score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(0, topK));
}
