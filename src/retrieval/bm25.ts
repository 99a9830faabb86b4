/** BM25 term weighting (Lucene's idf, which never goes negative) and its long-document variants. */
import { InvalidInputError } from './errors.js';

/**
 * 'okapi' is classic BM25. Its length normalisation over-penalises long documents (Lv & Zhai 2011):
 * 'bm25+' adds delta to every matched term, 'bm25l' adds delta to the normalised term frequency.
 */
export type Bm25Variant = 'okapi' | 'bm25l' | 'bm25+';
export const BM25_VARIANTS: readonly Bm25Variant[] = ['okapi', 'bm25l', 'bm25+'];

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation, 0 (none) to 1 (full). */
  b: number;
  /** Default 'okapi'. */
  variant?: Bm25Variant;
  /** Lower bound added by bm25l / bm25+; ignored by okapi. Default 0.5 for bm25l, 1 for bm25+ (the paper's). */
  delta?: number;
}

/** idf = ln(1 + (N - df + 0.5) / (df + 0.5)). */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

/**
 * Saturated, length-normalised term frequency, with norm = 1 - b + b dl / avgdl:
 * okapi tf (k1 + 1) / (tf + k1 norm); bm25+ the same plus delta; bm25l with c = tf / norm,
 * (k1 + 1) (c + delta) / (k1 + c + delta).
 */
export function bm25Tf(tf: number, docLength: number, avgDocLength: number, params: Bm25Params): number {
  const norm = avgDocLength > 0 ? 1 - params.b + (params.b * docLength) / avgDocLength : 1;
  switch (params.variant ?? 'okapi') {
    case 'bm25l': {
      const c = tf / norm + (params.delta ?? 0.5);
      return ((params.k1 + 1) * c) / (params.k1 + c);
    }
    case 'bm25+':
      return (tf * (params.k1 + 1)) / (tf + params.k1 * norm) + (params.delta ?? 1);
    default:
      return (tf * (params.k1 + 1)) / (tf + params.k1 * norm);
  }
}

export function validateBm25(params: Bm25Params): void {
  if (!(Number.isFinite(params.k1) && params.k1 >= 0))
    throw new InvalidInputError(`k1 must be a finite number >= 0, got ${params.k1}`);
  if (!(Number.isFinite(params.b) && params.b >= 0 && params.b <= 1))
    throw new InvalidInputError(`b must be in [0, 1], got ${params.b}`);
  if (params.variant !== undefined && !BM25_VARIANTS.includes(params.variant))
    throw new InvalidInputError(
      `bm25 variant must be one of ${BM25_VARIANTS.join(', ')}, got ${JSON.stringify(params.variant)}`,
    );
  if (params.delta !== undefined && !(Number.isFinite(params.delta) && params.delta >= 0))
    throw new InvalidInputError(`delta must be a finite number >= 0, got ${params.delta}`);
}
