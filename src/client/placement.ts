/**
 * Where a reranker runs when an app offers both: here (the worker) or on the edge service. Pure, so the
 * rule is tested in Node; placed-reranker.ts gathers the facts and applies it.
 *
 * Here only when it costs the user nothing to wait for: the model is already in this browser (no
 * download) and its predicted time for a typical call fits the budget. Otherwise the edge service,
 * unless it cannot be reached: then here, whatever the cost, because a slow answer beats none.
 */
import type { ComputeShape } from '../engine/shape-cost.js';

export type Where = 'local' | 'edge';

export interface Placement {
  where: Where;
  /** In words, for logs and the page. */
  reason: string;
}

export interface PlacementFacts {
  /** Why the edge service could not be reached; undefined when it answered. */
  edgeUnreachable?: string;
  /** The model's files are in this browser's cache: running here downloads nothing. */
  modelCached: boolean;
  /** Predicted time of a typical call here, when the model's shape is known. */
  predictedMs?: number;
  budgetMs: number;
}

const ms = (value: number) => `${Math.round(value)} ms`;

export function decidePlacement(facts: PlacementFacts): Placement {
  if (facts.edgeUnreachable !== undefined)
    return { where: 'local', reason: `the edge service did not answer (${facts.edgeUnreachable}): running here` };
  if (!facts.modelCached)
    return { where: 'edge', reason: 'the model is not in this browser yet (running here would download it first)' };
  if (facts.predictedMs === undefined)
    return { where: 'edge', reason: "this model's speed here cannot be predicted (no shape in its config.json)" };
  if (facts.predictedMs > facts.budgetMs)
    return {
      where: 'edge',
      reason: `predicted ${ms(facts.predictedMs)} here, over the ${ms(facts.budgetMs)} budget`,
    };
  return {
    where: 'local',
    reason: `the model is cached and predicted ${ms(facts.predictedMs)} here, within the ${ms(facts.budgetMs)} budget`,
  };
}

/** The compute shape in a transformers config.json, or undefined when a field is missing. */
export function shapeOfConfig(config: Record<string, unknown>): ComputeShape | undefined {
  const numLayers = config['num_hidden_layers'];
  const hiddenSize = config['hidden_size'];
  const numHeads = config['num_attention_heads'];
  const intermediateSize = config['intermediate_size'];
  const all = [numLayers, hiddenSize, numHeads, intermediateSize];
  if (!all.every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0)) return undefined;
  return { numLayers, hiddenSize, numHeads, intermediateSize } as ComputeShape;
}
