/** Options of the rerank service, their defaults and checks. */
import type { Dtype, Device } from '../engine/index.js';

export interface ServiceOptions {
  /** Local folder or hub id, as for `Reranker.load`. */
  model: string;
  dtype?: Dtype;
  device?: Device;
  revision?: string;
  remoteHost?: string;
  /** Names a request's `model` field may carry. Default: the model argument and its last path segment. '*' accepts any. */
  modelNames?: string[];
  /**
   * Bearer key, or several (rotation: old and new both accepted); when set, every route but the probes
   * (/health, /ready) and CORS preflights needs one. An empty key is refused: it must not mean "no auth".
   */
  apiKey?: string | string[];
  /** Origins allowed to call from a browser; '*' for any. Default none (no CORS headers at all). */
  corsOrigins?: string[];
  /** Request headers a preflight allows, beyond DEFAULT_CORS_HEADERS (what the Cohere SDK and the client send). */
  corsAllowHeaders?: string[];
  /** /info names the model argument as given (a path on disk, maybe). Default false: its last segment only. */
  infoShowsModelPath?: boolean;
  /** Documents per request at most. Default 1000. */
  maxDocuments?: number;
  /** Characters per query or document at most. Default 100 000. */
  maxCharacters?: number;
  /** Request body size at most, in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Pairs queued or running at most; beyond, 429. Default 4096. */
  maxQueuedPairs?: number;
  /** Padded tokens per model run. Default 8192 (the engine's default). */
  batchTokens?: number;
  /** Rows per model run at most. Default 128. */
  maxBatchRows?: number;
  /**
   * Share model runs between concurrent requests. Default: on for fp32 and fp16, off for q8, whose
   * activations are quantized with one scale per model run, so a shared run would move a request's
   * logits (up to 0.04 measured) away from what it gets alone.
   */
  crossRequestBatching?: boolean;
  /** Time a request may spend queued and running (from the moment it is queued), in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** One line per request (no user text), or false for none. Default: JSON lines on stderr. */
  log?: ((entry: LogEntry) => void) | false;
}

export interface LogEntry {
  time: string;
  event: 'request' | 'ready' | 'load_failed' | 'draining' | 'stopped' | 'model_alias';
  method?: string;
  route?: string;
  status?: number;
  ms?: number;
  pairs?: number;
  detail?: string;
}

export type ResolvedOptions = Required<Omit<ServiceOptions, 'apiKey' | 'device' | 'revision' | 'remoteHost' | 'log'>> &
  Pick<ServiceOptions, 'device' | 'revision' | 'remoteHost'> & {
    /** Accepted keys; none means no auth. */
    apiKeys: string[];
    log: (entry: LogEntry) => void;
  };

/** Headers a browser may send: the service's own client and the Cohere SDK's (X-Fern-*, X-Client-Name). */
export const DEFAULT_CORS_HEADERS = [
  'authorization',
  'content-type',
  'x-client-name',
  'x-fern-language',
  'x-fern-runtime',
  'x-fern-runtime-version',
  'x-fern-sdk-name',
  'x-fern-sdk-version',
];

function apiKeys(apiKey: string | string[] | undefined): string[] {
  if (apiKey === undefined) return [];
  const keys = typeof apiKey === 'string' ? [apiKey] : apiKey;
  if (keys.length === 0 || keys.some((key) => typeof key !== 'string' || key.trim() === ''))
    throw new RangeError('an API key is empty: give a non-empty key, or none at all to run without auth');
  return keys.map((key) => key.trim());
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** A model argument's last path segment: its name without the folders (or the org of a hub id). */
export function lastSegment(model: string): string {
  return (
    model
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? model
  );
}

/**
 * Cohere's own model names (rerank-v3.5, rerank-multilingual-v3.0, ...): what Cohere SDK examples and
 * clients written for Cohere send. A drop-in replacement answers them with the model it serves, and logs
 * each such name once (event model_alias) so that the substitution is on record.
 */
export const COHERE_MODEL_NAMES = 'rerank-*';

function defaultModelNames(model: string): string[] {
  return [...new Set([model, lastSegment(model), COHERE_MODEL_NAMES])];
}

export function resolveOptions(options: ServiceOptions): ResolvedOptions {
  if (typeof options.model !== 'string' || options.model.trim() === '')
    throw new RangeError('model must be a folder or a model id');
  const maxDocuments = positive('maxDocuments', options.maxDocuments, 1000);
  const maxQueuedPairs = positive('maxQueuedPairs', options.maxQueuedPairs, 4096);
  if (maxQueuedPairs < maxDocuments)
    throw new RangeError(
      `maxQueuedPairs (${maxQueuedPairs}) must be at least maxDocuments (${maxDocuments}), or a full request could never be admitted`,
    );
  const log =
    options.log === false ? () => {} : (options.log ?? ((entry: LogEntry) => console.error(JSON.stringify(entry))));
  const dtype = options.dtype ?? 'q8';
  return {
    model: options.model,
    dtype,
    device: options.device,
    revision: options.revision,
    remoteHost: options.remoteHost,
    modelNames: options.modelNames ?? defaultModelNames(options.model),
    apiKeys: apiKeys(options.apiKey),
    corsOrigins: options.corsOrigins ?? [],
    corsAllowHeaders: [
      ...new Set([...DEFAULT_CORS_HEADERS, ...(options.corsAllowHeaders ?? []).map((h) => h.trim().toLowerCase())]),
    ],
    infoShowsModelPath: options.infoShowsModelPath ?? false,
    maxDocuments,
    maxCharacters: positive('maxCharacters', options.maxCharacters, 100_000),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, 4 * 1024 * 1024),
    maxQueuedPairs,
    batchTokens: positive('batchTokens', options.batchTokens, 8192),
    maxBatchRows: positive('maxBatchRows', options.maxBatchRows, 128),
    crossRequestBatching: options.crossRequestBatching ?? dtype !== 'q8',
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    log,
  };
}
