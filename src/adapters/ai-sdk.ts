/**
 * The AI SDK's reranking interface (RerankingModelV3 from @ai-sdk/provider, what `rerank()` of `ai` 6
 * and 7 calls) over any of this package's rerankers, in the page (worker), at the edge service or in
 * Node:
 *
 *   import { rerank } from 'ai';
 *   import { koRerank } from 'ko-rerank-web/ai-sdk';
 *   const { ranking } = await rerank({ model: koRerank.reranking(reranker), query, documents, topN: 5 });
 *
 * Only types come from @ai-sdk/provider, so this entry adds no framework code to a bundle.
 */
import type { JSONObject, RerankingModelV3, RerankingModelV3CallOptions, SharedV3Warning } from '@ai-sdk/provider';
import { type DocumentTextOptions, type RankingSource, describeSource, documentText } from './ranking-source.js';

export type { RankingSource } from './ranking-source.js';

export interface KoRerankModelOptions extends DocumentTextOptions {
  /** The model id the AI SDK reports (telemetry, results). Default: the source's model, or 'ko-rerank'. */
  modelId?: string;
}

const PROVIDER = 'ko-rerank';

function reranking(source: RankingSource, options: KoRerankModelOptions = {}): RerankingModelV3 {
  return {
    specificationVersion: 'v3',
    provider: PROVIDER,
    modelId: options.modelId ?? describeSource(source)['model'] ?? PROVIDER,
    async doRerank({ documents, query, topN, abortSignal, headers }: RerankingModelV3CallOptions) {
      const texts =
        documents.type === 'text'
          ? documents.values
          : documents.values.map((value: JSONObject, i) => documentText(value, i, options));
      const report = await source.rankDetailed(query, texts, { topK: topN, signal: abortSignal });
      const warnings: SharedV3Warning[] =
        headers && Object.keys(headers).length > 0
          ? [{ type: 'unsupported', feature: 'headers', details: 'ko-rerank sends no HTTP headers per call' }]
          : [];
      return {
        ranking: report.results.map(({ index, score }) => ({ index, relevanceScore: score })),
        warnings,
        providerMetadata: {
          [PROVIDER]: {
            ...describeSource(source),
            elapsedMs: report.elapsedMs,
            scored: report.scored,
            total: report.total,
            cacheHits: report.cacheHits,
          },
        },
      };
    },
  };
}

/** `koRerank.reranking(reranker, options)`: a RerankingModelV3 for `rerank({ model, ... })`. */
export const koRerank = { reranking };
