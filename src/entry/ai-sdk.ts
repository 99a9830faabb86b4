/** The package's AI SDK entry (`ko-rerank-web/ai-sdk`): a RerankingModelV3 over any reranker of the package. */
export { koRerank, type KoRerankModelOptions, type RankingSource } from '../adapters/ai-sdk.js';
