export { Reranker, type RerankerInfo } from './reranker.js';
export {
  RerankerError,
  AbortedError,
  InvalidInputError,
  LimitExceededError,
  ModelLoadError,
  InferenceError,
  OutOfMemoryError,
  WorkerCrashedError,
  LoadStalledError,
  type RerankerErrorCode,
} from './errors.js';
export type * from './types.js';
