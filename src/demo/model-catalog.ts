/**
 * Rerankers the demo offers. Sizes are the published ONNX files (≈ where derived from the parameter
 * count); the dtype shown is the one the worker's backend plan will pick on this device.
 */
import type { Dtype } from '../engine/types.js';

export interface CatalogModel {
  id: string;
  label: string;
  /** Download size in MB per dtype. */
  sizesMb: Partial<Record<Dtype, number>>;
  languages: string;
}

/** The generated model shipped with the app (random weights). */
export const DEMO_MODEL_ID = '/models/demo-xlmr';

export const HUB_MODELS: CatalogModel[] = [
  {
    id: 'onnx-community/bge-reranker-v2-m3-ONNX',
    label: 'BGE reranker v2 m3',
    sizesMb: { q8: 571, fp16: 1136, fp32: 2271 },
    languages: 'multilingual, strong on Korean',
  },
  {
    id: 'Xenova/bge-reranker-base',
    label: 'BGE reranker base',
    sizesMb: { q8: 279, fp16: 556, fp32: 1112 },
    languages: 'multilingual (XLM-R base)',
  },
  {
    id: 'Xenova/bge-reranker-large',
    label: 'BGE reranker large',
    sizesMb: { q8: 563, fp16: 1120, fp32: 2240 },
    languages: 'multilingual (XLM-R large, the ko-reranker shape)',
  },
  {
    id: 'Xenova/ms-marco-MiniLM-L-6-v2',
    label: 'MS MARCO MiniLM L-6',
    sizesMb: { q8: 23, fp16: 46, fp32: 91 },
    languages: 'English only',
  },
];

export const DEFAULT_HUB_MODEL = HUB_MODELS[0]!;

export function describeModel(model: CatalogModel, dtype: Dtype): string {
  const size = model.sizesMb[dtype];
  return `${model.label} — ${model.languages} — ${dtype}${size ? `, ${size >= 1000 ? `${(size / 1000).toFixed(1)} GB` : `${size} MB`}` : ''}`;
}

/** The picker's value for the edge rerank service (src/server, `npm run serve`): ranking over HTTP, no download. */
export const EDGE_SERVICE = 'edge';

/** Where `npm run serve` listens by default. */
export const DEFAULT_EDGE_ENDPOINT = 'http://127.0.0.1:8080';
