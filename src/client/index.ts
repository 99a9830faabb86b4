/** The client's public list: the worker-backed reranker, its remote twin, their types and errors. */
export { createReranker, type BrowserReranker, type CreateRerankerOptions } from './create-reranker.js';
export {
  createRemoteReranker,
  type RemoteReranker,
  type RemoteRerankerOptions,
  type RemoteReadyState,
} from './edge-service-reranker.js';
export type { PlacedReranker, PlacedRerankerOptions } from './placed-reranker.js';
export type { Placement, Where } from './placement.js';
export type { RankWorkload, ShapeTiming, ComputeShape } from '../engine/shape-cost.js';
export type { CostCoefficients } from '../engine/cost-model.js';
export type { ReadyState, ProgressEvent, LoadPhase } from '../worker/protocol.js';
export type * from '../engine/types.js';
export * from '../engine/public-errors.js';
export { filesFromFolderPick } from '../worker/picked-files.js';
