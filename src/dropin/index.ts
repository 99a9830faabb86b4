/** Library entry (dist/lib): the worker-backed reranker plus the drop-in helpers for existing result lists. */
export { createReranker, type BrowserReranker, type CreateRerankerOptions } from '../client/create-reranker.js';
export type { ReadyState, ProgressEvent, LoadPhase } from '../worker/protocol.js';
export type * from '../engine/types.js';
export {
  RerankerError,
  AbortedError,
  InvalidInputError,
  LimitExceededError,
  ModelLoadError,
  InferenceError,
  type RerankerErrorCode,
} from '../engine/errors.js';
export { filesFromFolderPick } from '../worker/picked-files.js';
export {
  rerankElements,
  defaultText,
  type RerankElementsOptions,
  type RerankElementsResult,
  type RerankedElement,
} from './rerank-elements.js';
export { ContainerChangedError } from './errors.js';
export { planOrder, type OrderPlan, type ScoredPosition } from './order.js';
export { RerankResultsElement, defineRerankResults } from './rerank-results-element.js';
