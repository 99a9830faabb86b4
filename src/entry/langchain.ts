/** The package's LangChain.js entry (`ko-rerank-web/langchain`): a document compressor over any reranker of the package. */
export { KoRerankCompressor, type KoRerankCompressorOptions, type RankingSource } from '../adapters/langchain.js';
