/** The drop-in's public list: reranking an existing result list in place (the browser entry adds it to the client's). */
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
