/**
 * Rerankers the demo offers: the catalog's models with a published ONNX export (src/catalog). Sizes are
 * derived from each shape in the dtype the worker's backend plan will pick on this device, and shown
 * beside the predicted rerank time.
 */
import { CATALOG, type CatalogReranker, downloadBytes, formatBytes } from '../catalog/rerankers.js';
import type { Dtype } from '../engine/types.js';
import { formatMs } from './model-choice.js';

/** The generated model shipped with the app (random weights). */
export const DEMO_MODEL_ID = '/models/demo-xlmr';

/** Best for Korean first (the catalog's order of expected quality). */
export const HUB_MODELS: readonly CatalogReranker[] = CATALOG.filter((entry) => entry.onnx).sort(
  (a, b) => a.koreanQualityOrder - b.koreanQualityOrder,
);

/** The model whose config.json tells whether the hub answers from this page. */
export const HUB_PROBE_MODEL = HUB_MODELS[0]!;

export function describeModel(model: CatalogReranker, dtype: Dtype, predictedMs?: number): string {
  const time = predictedMs === undefined ? '' : ` · 예상 ${formatMs(predictedMs)}`;
  return `${model.label} — ${model.languages} — ${dtype}, ${formatBytes(downloadBytes(model, dtype))}${time}`;
}

/** The picker's value for the edge rerank service (src/server, `npm run serve`): ranking over HTTP, no download. */
export const EDGE_SERVICE = 'edge';

/** Where `npm run serve` listens by default. */
export const DEFAULT_EDGE_ENDPOINT = 'http://127.0.0.1:8080';
