/**
 * A LangChain.js document compressor (the BaseDocumentCompressor contract, like @langchain/cohere's
 * CohereRerank) over any of this package's rerankers: reorders documents by relevance, keeps the best
 * `topN`, and adds `relevanceScore` to each one's metadata (the rest of it kept as it was).
 *
 *   import { KoRerankCompressor } from 'ko-rerank-web/langchain';
 *   const compressor = new KoRerankCompressor({ reranker, topN: 5 });
 *   const best = await compressor.compressDocuments(documents, query);
 */
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import type { RankingSource } from './ranking-source.js';

export type { RankingSource } from './ranking-source.js';

export interface KoRerankCompressorOptions {
  reranker: RankingSource;
  /** Documents kept. Default 3, as CohereRerank. */
  topN?: number;
  /** Cancels the reranking of every call made with this compressor. */
  signal?: AbortSignal;
}

export class KoRerankCompressor extends BaseDocumentCompressor {
  readonly topN: number;
  private readonly reranker: RankingSource;
  private readonly signal: AbortSignal | undefined;

  constructor({ reranker, topN = 3, signal }: KoRerankCompressorOptions) {
    super();
    this.reranker = reranker;
    this.topN = topN;
    this.signal = signal;
  }

  /** Index and score of each document, best first (at most `topN`), as CohereRerank.rerank gives them. */
  async rerank(
    documents: Array<DocumentInterface | string>,
    query: string,
    { topN = this.topN }: { topN?: number } = {},
  ): Promise<Array<{ index: number; relevanceScore: number }>> {
    const texts = documents.map((d) => (typeof d === 'string' ? d : d.pageContent));
    const report = await this.reranker.rankDetailed(query, texts, { topK: topN, signal: this.signal });
    return report.results.map(({ index, score }) => ({ index, relevanceScore: score }));
  }

  async compressDocuments(documents: DocumentInterface[], query: string): Promise<DocumentInterface[]> {
    if (documents.length === 0) return [];
    const ranked = await this.rerank(documents, query);
    return ranked.map(({ index, relevanceScore }) => {
      const { pageContent, metadata, id } = documents[index]!;
      // A new document: the caller's keeps its metadata as it was (CohereRerank writes into it).
      return new Document({ pageContent, metadata: { ...metadata, relevanceScore }, id });
    });
  }
}
