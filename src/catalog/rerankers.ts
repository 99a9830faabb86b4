/**
 * Real cross-encoder rerankers and their shapes, as published on the Hugging Face Hub. The shape is
 * what decides download size and speed, so it is the single source for both: sizes are derived from
 * it (parameter count x bytes per value, see downloadBytes) and checked against the published file
 * sizes in the tests; each shape is also a model-builder preset, so tests and benchmarks run the
 * real shapes with generated weights.
 */
import type { Architecture } from '../model-builder/config.js';
import type { Dtype } from '../engine/types.js';
import { ONNX_FILE_FOR_DTYPE } from '../engine/model-files.js';

/** The numbers of a Hugging Face `config.json` that fix a cross-encoder's cost. */
export interface RerankerShape {
  architecture: Architecture;
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  intermediateSize: number;
  vocabSize: number;
  /** Longest input in tokens, special tokens included. */
  maxLength: number;
}

export interface PublishedQuality {
  /** What was measured, on what, e.g. `NDCG@10 74.30 on TREC DL 2019`. */
  figure: string;
  /** Where it is published. */
  source: string;
}

export interface CatalogReranker {
  /** Hub id of the ONNX export the browser and Node engines load, or of the original when there is none. */
  id: string;
  label: string;
  /** The original (PyTorch) model. */
  original: string;
  /** False when no ONNX export is published: convert the checkpoint first (docs/converter.md). */
  onnx: boolean;
  shape: RerankerShape;
  languages: string;
  /** Whether it reads Korean (through the XLM-R vocabulary); the demo only picks such models by default. */
  korean: boolean;
  /** Published ranking quality, null where we found none. */
  quality: PublishedQuality | null;
  /**
   * Our order of expected quality on Korean passages (1 = best). Not a measurement: an ordering from
   * the models' size and training data, used when the published figures are not comparable (different
   * benchmarks) or missing.
   */
  koreanQualityOrder: number;
  /** The model-builder preset that generates this shape. */
  preset: string;
}

/** tokenizer.json as published: XLM-R's SentencePiece vocabulary (250,002 pieces) is large, BERT's WordPiece is not. */
const TOKENIZER_BYTES: Record<Architecture, number> = { 'xlm-roberta': 17_100_000, bert: 466_000 };
/** config.json, tokenizer_config.json and special_tokens_map.json together, about. */
const SMALL_FILES_BYTES = 5_000;

const XLMR_BASE = { architecture: 'xlm-roberta', numLayers: 12, hiddenSize: 768, numHeads: 12, intermediateSize: 3072 };
const XLMR_LARGE = {
  architecture: 'xlm-roberta',
  numLayers: 24,
  hiddenSize: 1024,
  numHeads: 16,
  intermediateSize: 4096,
};
const XLMR_VOCAB = 250_002;

export const CATALOG: readonly CatalogReranker[] = [
  {
    id: 'Xenova/ms-marco-MiniLM-L-6-v2',
    label: 'MS MARCO MiniLM L-6',
    original: 'cross-encoder/ms-marco-MiniLM-L-6-v2',
    onnx: true,
    shape: {
      architecture: 'bert',
      numLayers: 6,
      hiddenSize: 384,
      numHeads: 12,
      intermediateSize: 1536,
      vocabSize: 30_522,
      maxLength: 512,
    },
    languages: 'English only',
    korean: false,
    quality: {
      figure: 'NDCG@10 74.30 on TREC DL 2019, MRR@10 39.01 on MS MARCO dev',
      source: 'https://huggingface.co/cross-encoder/ms-marco-MiniLM-L-6-v2 (model card)',
    },
    koreanQualityOrder: 6,
    preset: 'ms-marco-minilm-l6',
  },
  {
    id: 'Xenova/mmarco-mMiniLMv2-L12-H384-v1',
    label: 'mMARCO multilingual MiniLM L12',
    original: 'cross-encoder/mmarco-mMiniLMv2-L12-H384-v1',
    onnx: true,
    shape: {
      architecture: 'xlm-roberta',
      numLayers: 12,
      hiddenSize: 384,
      numHeads: 12,
      intermediateSize: 1536,
      vocabSize: XLMR_VOCAB,
      maxLength: 512,
    },
    languages: 'multilingual (mMARCO, 14 languages; XLM-R vocabulary reads Korean)',
    korean: true,
    quality: null,
    koreanQualityOrder: 5,
    preset: 'mmarco-mminilm-l12',
  },
  {
    id: 'Xenova/bge-reranker-base',
    label: 'BGE reranker base',
    original: 'BAAI/bge-reranker-base',
    onnx: true,
    shape: { ...XLMR_BASE, architecture: 'xlm-roberta', vocabSize: XLMR_VOCAB, maxLength: 512 },
    languages: 'Chinese and English training, XLM-R base vocabulary',
    korean: true,
    quality: null,
    koreanQualityOrder: 4,
    preset: 'bge-reranker-base',
  },
  {
    id: 'Xenova/bge-reranker-large',
    label: 'BGE reranker large',
    original: 'BAAI/bge-reranker-large',
    onnx: true,
    shape: { ...XLMR_LARGE, architecture: 'xlm-roberta', vocabSize: XLMR_VOCAB, maxLength: 512 },
    languages: 'Chinese and English training, XLM-R large vocabulary',
    korean: true,
    quality: null,
    koreanQualityOrder: 3,
    preset: 'ko-reranker',
  },
  {
    id: 'onnx-community/bge-reranker-v2-m3-ONNX',
    label: 'BGE reranker v2 m3',
    original: 'BAAI/bge-reranker-v2-m3',
    onnx: true,
    shape: { ...XLMR_LARGE, architecture: 'xlm-roberta', vocabSize: XLMR_VOCAB, maxLength: 8192 },
    languages: 'multilingual, strong on Korean',
    korean: true,
    quality: null,
    koreanQualityOrder: 2,
    preset: 'bge-reranker-v2-m3',
  },
  {
    id: 'Dongjin-kr/ko-reranker',
    label: 'Korean reranker (ko-reranker)',
    original: 'Dongjin-kr/ko-reranker',
    onnx: false,
    shape: { ...XLMR_LARGE, architecture: 'xlm-roberta', vocabSize: XLMR_VOCAB, maxLength: 512 },
    languages: 'Korean and English (bge-reranker-large fine-tuned on Korean MS MARCO)',
    korean: true,
    quality: {
      figure: 'MRR 0.87 on its Korean evaluation set (bge-reranker-large: 0.84)',
      source: 'https://huggingface.co/Dongjin-kr/ko-reranker (model card)',
    },
    koreanQualityOrder: 1,
    preset: 'ko-reranker',
  },
];

export function catalogEntry(id: string): CatalogReranker | undefined {
  return CATALOG.find((entry) => entry.id === id || entry.original === id);
}

/** Parameters of the model: embeddings, encoder layers, and the classification head. */
export function parameterCount(shape: RerankerShape): number {
  const { hiddenSize: h, intermediateSize: i, numLayers, vocabSize } = shape;
  const xlmr = shape.architecture === 'xlm-roberta';
  // XLM-R keeps padTokenId + 1 = 2 position slots before the first real position.
  const positions = xlmr ? shape.maxLength + 2 : shape.maxLength;
  const typeVocab = xlmr ? 1 : 2;
  const embeddings = (vocabSize + positions + typeVocab) * h + 2 * h;
  const layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
  // XLM-R: dense h x h then out_proj h x 1; BERT: pooler h x h then classifier h x 1.
  const head = h * h + h + h + 1;
  return embeddings + numLayers * layer + head;
}

/**
 * Bytes of the ONNX file in a dtype. 8-bit (onnxruntime's dynamic quantization, as the published q8
 * exports use it) stores every weight matrix, the embedding tables included, in one byte; the vectors
 * (biases, layer norms) stay float32 and are a fraction of a percent.
 */
export function onnxBytes(shape: RerankerShape, dtype: Dtype): number {
  const params = parameterCount(shape);
  if (dtype === 'fp32') return params * 4;
  if (dtype === 'fp16') return params * 2;
  const { hiddenSize: h, intermediateSize: i, numLayers } = shape;
  const vectors = numLayers * (4 * h + i + h + 8 * h) + 4 * h;
  return params - vectors + vectors * 4;
}

export interface CatalogFile {
  path: string;
  bytes: number;
}

/** The files the engine downloads for this model in a dtype, with their (derived) sizes. */
export function downloadFiles(entry: CatalogReranker, dtype: Dtype): CatalogFile[] {
  return [
    { path: 'config.json', bytes: SMALL_FILES_BYTES },
    { path: 'tokenizer.json', bytes: TOKENIZER_BYTES[entry.shape.architecture] },
    { path: ONNX_FILE_FOR_DTYPE[dtype], bytes: onnxBytes(entry.shape, dtype) },
  ];
}

/** Everything downloaded for this model in a dtype, in bytes. */
export function downloadBytes(entry: CatalogReranker, dtype: Dtype): number {
  return downloadFiles(entry, dtype).reduce((sum, file) => sum + file.bytes, 0);
}

/** `118 MB`, `1.1 GB` (decimal units, as the hub shows sizes). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}
