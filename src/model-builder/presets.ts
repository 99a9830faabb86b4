import type { Architecture } from './config.js';

/** A model shape before its tokenizer fixes the vocabulary size and padding id. */
export interface ShapePreset {
  architecture: Architecture;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Longest input in tokens, special tokens included. */
  maxLength: number;
  description: string;
}

export const PRESETS = {
  'tiny-xlmr': {
    architecture: 'xlm-roberta',
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 4,
    intermediateSize: 64,
    maxLength: 512,
    description: 'Tiny XLM-R cross-encoder for tests (seconds to build).',
  },
  'tiny-bert': {
    architecture: 'bert',
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 4,
    intermediateSize: 64,
    maxLength: 512,
    description: 'Tiny BERT cross-encoder for tests.',
  },
  'bge-reranker-base': {
    architecture: 'xlm-roberta',
    hiddenSize: 768,
    numLayers: 12,
    numHeads: 12,
    intermediateSize: 3072,
    maxLength: 512,
    description: 'Shape of BAAI/bge-reranker-base (XLM-R base), reduced vocabulary.',
  },
  'ko-reranker': {
    architecture: 'xlm-roberta',
    hiddenSize: 1024,
    numLayers: 24,
    numHeads: 16,
    intermediateSize: 4096,
    maxLength: 512,
    description: 'Shape of Dongjin-kr/ko-reranker and bge-reranker-large (XLM-R large), reduced vocabulary.',
  },
  'ms-marco-minilm-l6': {
    architecture: 'bert',
    hiddenSize: 384,
    numLayers: 6,
    numHeads: 12,
    intermediateSize: 1536,
    maxLength: 512,
    description: 'Shape of cross-encoder/ms-marco-MiniLM-L-6-v2 (BERT).',
  },
  'mmarco-mminilm-l12': {
    architecture: 'xlm-roberta',
    hiddenSize: 384,
    numLayers: 12,
    numHeads: 12,
    intermediateSize: 1536,
    maxLength: 512,
    description:
      'Shape of cross-encoder/mmarco-mMiniLMv2-L12-H384-v1 (multilingual MiniLM, XLM-R), reduced vocabulary.',
  },
  'bge-reranker-v2-m3': {
    architecture: 'xlm-roberta',
    hiddenSize: 1024,
    numLayers: 24,
    numHeads: 16,
    intermediateSize: 4096,
    maxLength: 8192,
    description: 'Shape of BAAI/bge-reranker-v2-m3 (XLM-R large, 8192 positions), reduced vocabulary.',
  },
} satisfies Record<string, ShapePreset>;

export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}
