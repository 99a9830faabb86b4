/** The client's public list: the worker-backed reranker, its remote twin, their types and errors. */
export { createReranker, type BrowserReranker, type CreateRerankerOptions } from './create-reranker.js';
export {
  createRemoteReranker,
  type RemoteReranker,
  type RemoteRerankerOptions,
  type RemoteReadyState,
} from './edge-service-reranker.js';
export type { ReadyState, ProgressEvent, LoadPhase } from '../worker/protocol.js';
export type * from '../engine/types.js';
export * from '../engine/public-errors.js';
export { filesFromFolderPick } from '../worker/picked-files.js';
