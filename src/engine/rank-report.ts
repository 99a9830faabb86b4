/**
 * A ranking, partial or final, from the logits known so far. Pure: shared by the engine, the edge
 * client and tests.
 */
import { applyActivation, rankOrder } from './scoring.js';
import type { Activation, RankPlan, RankReport } from './types.js';

export interface ReportInput {
  /** One entry per document, undefined while it is not scored. */
  logits: ReadonlyArray<number | undefined>;
  documents: readonly string[];
  activation: Activation;
  topK: number;
  returnDocuments: boolean;
  final: boolean;
  cacheHits: number;
  elapsedMs: number;
  plan?: RankPlan;
}

/**
 * Scored documents best first (at most topK), then the unscored ones in first-stage order. With
 * softmax, the scores are normalised over the scored documents only.
 */
export function buildReport(input: ReportInput): RankReport {
  const scoredIndices: number[] = [];
  const unscored: number[] = [];
  input.logits.forEach((logit, index) => (logit === undefined ? unscored : scoredIndices).push(index));
  const scoredLogits = scoredIndices.map((i) => input.logits[i]!);
  const scores = applyActivation(scoredLogits, input.activation);
  const results = rankOrder(scoredLogits, input.topK).map((k) => {
    const index = scoredIndices[k]!;
    return { index, score: scores[k]!, ...(input.returnDocuments ? { document: input.documents[index]! } : {}) };
  });
  return {
    results,
    unscored,
    scored: scoredIndices.length,
    total: input.logits.length,
    cacheHits: input.cacheHits,
    final: input.final,
    elapsedMs: input.elapsedMs,
    ...(input.plan ? { plan: input.plan } : {}),
  };
}
