/** Okapi BM25 term weighting (the Lucene variant, whose idf never goes negative). */
import { InvalidInputError } from './errors.js';

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation, 0 (none) to 1 (full). */
  b: number;
}

/** idf = ln(1 + (N - df + 0.5) / (df + 0.5)). */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

/** Saturated, length-normalised term frequency: tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)). */
export function bm25Tf(tf: number, docLength: number, avgDocLength: number, params: Bm25Params): number {
  const norm = avgDocLength > 0 ? 1 - params.b + (params.b * docLength) / avgDocLength : 1;
  return (tf * (params.k1 + 1)) / (tf + params.k1 * norm);
}

export function validateBm25(params: Bm25Params): void {
  if (!(Number.isFinite(params.k1) && params.k1 >= 0))
    throw new InvalidInputError(`k1 must be a finite number >= 0, got ${params.k1}`);
  if (!(Number.isFinite(params.b) && params.b >= 0 && params.b <= 1))
    throw new InvalidInputError(`b must be in [0, 1], got ${params.b}`);
}
