export { Reranker, type RerankerInfo } from './reranker.js';
export * from './public-errors.js';
export type * from './types.js';
