/**
 * `createReranker({ model, endpoint, placement: 'auto' })`: one reranker that runs here (the worker)
 * or on the edge service, by the rule in placement.ts, and says which and why in `ready.placement` and
 * in every report. When the edge service fails a call (unreachable, or a 5xx), the reranker moves
 * here for that call and the ones after it.
 */
import { InferenceError } from '../engine/errors.js';
import { hubFileUrl, isHubId } from '../engine/hub-address.js';
import { ONNX_FILE_FOR_DTYPE } from '../engine/model-files.js';
import {
  PRIOR_TIMING,
  type RankWorkload,
  type ShapeTiming,
  coefficientsFor,
  predictRankMs,
} from '../engine/shape-cost.js';
import type { DetailedRankOptions, RankOptions, RankReport, RankedDocument } from '../engine/types.js';
import { MODEL_CACHE_NAME } from '../worker/model-cache-name.js';
import type { ReadyState } from '../worker/protocol.js';
import type { CreateRerankerOptions } from './create-reranker.js';
import type { RemoteReadyState, RemoteRerankerOptions } from './edge-service-reranker.js';
import { type Placement, decidePlacement, shapeOfConfig } from './placement.js';

export interface PlacedRerankerOptions extends CreateRerankerOptions {
  /** The edge service that answers when running here would not pay off. */
  endpoint: string;
  apiKey?: string;
  placement: 'auto';
  /** A typical call must be predicted to fit this to run here. Default 2000 ms. */
  budgetMs?: number;
  /** What a typical call ranks. Default 20 candidates of 256 tokens. */
  workload?: RankWorkload;
  /** This device's timings (from a device probe); default: the cost model's prior (a 2-core CPU on WASM). */
  deviceTimings?: ShapeTiming[];
}

/** What a placed reranker runs on: the worker reranker or the edge-service one. */
interface Backend {
  readonly ready: ReadyState | RemoteReadyState;
  rankDetailed(query: string, documents: string[], options?: DetailedRankOptions): Promise<RankReport>;
  dispose(): Promise<void>;
}

export interface PlacedReranker {
  readonly ready: (ReadyState | RemoteReadyState) & { placement: Placement };
  rank(query: string, documents: string[], options?: RankOptions): Promise<RankedDocument[]>;
  rankDetailed(
    query: string,
    documents: string[],
    options?: DetailedRankOptions,
  ): Promise<RankReport & { placement: Placement }>;
  dispose(): Promise<void>;
}

/** What the choice needs from the page; tests give their own. */
export interface PlacementEnvironment {
  /** The model's config.json when its ONNX file for the dtype is in this browser's cache, else undefined. */
  cachedConfig(options: PlacedRerankerOptions): Promise<Record<string, unknown> | undefined>;
  createLocal(options: CreateRerankerOptions): Promise<Backend>;
  createEdge(options: RemoteRerankerOptions): Promise<Backend>;
}

/** The browser's cache, as the worker fills it (transformers.js keys files by their hub URL). */
export async function cachedConfigInBrowser(
  options: PlacedRerankerOptions,
): Promise<Record<string, unknown> | undefined> {
  if (typeof caches === 'undefined' || !isHubId(options.model)) return undefined;
  const cache = await caches.open(MODEL_CACHE_NAME);
  const url = (file: string) =>
    hubFileUrl({ host: options.remoteHost, model: options.model, revision: options.revision ?? 'main', file });
  const onnx = await cache.match(url(ONNX_FILE_FOR_DTYPE[options.dtype ?? 'q8']));
  const config = onnx ? await cache.match(url('config.json')) : undefined;
  return config ? ((await config.json()) as Record<string, unknown>) : undefined;
}

export async function createPlacedReranker(
  options: PlacedRerankerOptions,
  environment: PlacementEnvironment,
): Promise<PlacedReranker> {
  const { endpoint, apiKey, placement: _auto, budgetMs = 2000, workload, deviceTimings, ...localOptions } = options;
  let edgeUnreachable: string | undefined;
  const edge = await environment.createEdge({ endpoint, apiKey, signal: options.signal }).catch((error: unknown) => {
    edgeUnreachable = error instanceof Error ? error.message : String(error);
    return undefined;
  });
  const config = edge ? await environment.cachedConfig(options) : undefined;
  const shape = config ? shapeOfConfig(config) : undefined;
  const predictedMs = shape
    ? predictRankMs(
        coefficientsFor(deviceTimings ?? [PRIOR_TIMING], shape),
        workload ?? { candidates: 20, tokens: 256 },
      )
    : undefined;
  let placement = decidePlacement({ edgeUnreachable, modelCached: config !== undefined, predictedMs, budgetMs });
  let backend: Backend = placement.where === 'edge' && edge ? edge : await environment.createLocal(localOptions);
  if (backend !== edge) await edge?.dispose();

  const api: PlacedReranker = {
    ready: { ...backend.ready, placement },
    async rank(query, documents, rankOptions) {
      return (await api.rankDetailed(query, documents, rankOptions)).results;
    },
    async rankDetailed(query, documents, rankOptions) {
      try {
        return { ...(await backend.rankDetailed(query, documents, rankOptions)), placement };
      } catch (error) {
        // The service failed the call (unreachable, 5xx): this call and the next run here.
        if (placement.where !== 'edge' || !(error instanceof InferenceError)) throw error;
        const failed = backend;
        backend = await environment.createLocal(localOptions);
        placement = { where: 'local', reason: `the edge service failed a call (${error.message}): running here` };
        (api as { ready: PlacedReranker['ready'] }).ready = { ...backend.ready, placement };
        await failed.dispose();
        return { ...(await backend.rankDetailed(query, documents, rankOptions)), placement };
      }
    },
    dispose: () => backend.dispose(),
  };
  return api;
}
