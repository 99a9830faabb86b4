/** Inverted index for one field: postings, document lengths, and BM25 accumulation. */
import { bm25Idf, bm25Tf, type Bm25Params } from './bm25.js';

export class FieldIndex {
  /** term -> flat [docIndex, tf, docIndex, tf, ...], docIndex ascending (documents are only appended). */
  readonly postings: Map<string, number[]>;
  readonly docLengths: number[];
  private totalLength: number;

  constructor(postings = new Map<string, number[]>(), docLengths: number[] = []) {
    this.postings = postings;
    this.docLengths = docLengths;
    this.totalLength = docLengths.reduce((sum, length) => sum + length, 0);
  }

  get docCount(): number {
    return this.docLengths.length;
  }

  /** Appends one document; docIndex must equal the current docCount. */
  add(docIndex: number, terms: readonly string[]): void {
    if (docIndex !== this.docLengths.length)
      throw new Error(`documents must be appended in order (expected ${this.docLengths.length}, got ${docIndex})`);
    for (const [term, tf] of countTerms(terms, false)) {
      const list = this.postings.get(term);
      if (list) list.push(docIndex, tf);
      else this.postings.set(term, [docIndex, tf]);
    }
    this.docLengths.push(terms.length);
    this.totalLength += terms.length;
  }

  /** Adds weight * BM25(query, doc) into scores[doc] for every document containing a query term. */
  accumulate(queryTerms: ReadonlyMap<string, number>, params: Bm25Params, weight: number, scores: Float64Array): void {
    const n = this.docLengths.length;
    if (n === 0) return;
    const avgLength = this.totalLength / n;
    for (const [term, queryTf] of queryTerms) {
      const list = this.postings.get(term);
      if (!list) continue;
      const termWeight = weight * queryTf * bm25Idf(n, list.length / 2);
      for (let i = 0; i < list.length; i += 2) {
        const doc = list[i]!;
        scores[doc]! += termWeight * bm25Tf(list[i + 1]!, this.docLengths[doc]!, avgLength, params);
      }
    }
  }
}

/** Query terms with their multiplicity, in first-seen order (keeps float summation order stable). */
export function countTerms(terms: readonly string[], unique: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, unique ? 1 : (counts.get(term) ?? 0) + 1);
  return counts;
}
