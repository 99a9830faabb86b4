/**
 * Node: a hub model's files are downloaded by us into a cache folder of our own, and transformers.js is
 * given that folder. Doing it ourselves scopes everything to one load, where transformers.js keeps it
 * process-wide: the host (its `env.remoteHost` would leak into later loads), the cache key (its file
 * cache is keyed by model id only, so host B got host A's files), the stall timeout and the signal.
 * A file reaches its cache path only complete and parsed (written aside, checked against Content-Length,
 * parsed, renamed); a load that finds a cached file corrupt evicts it (model-source.ts).
 *
 * Node APIs come from `process.getBuiltinModule`, so this module loads (and is unused) in workers.
 */
import type * as NodeCrypto from 'node:crypto';
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';
import { ModelLoadError, RerankerError } from './errors.js';
import { errorMessage } from '../errors/error-message.js';
import { type DownloadPolicy, guardedFetch } from './guarded-fetch.js';
import { hubFileUrl } from './hub-address.js';
import { corruptFileError } from './model-files.js';
import { openLocalFile } from './model-fit.js';
import { readGraphSummary } from './onnx-shapes.js';
import type { LoadProgress } from './types.js';

export interface NodeApis {
  fs: typeof NodeFs;
  path: typeof NodePath;
  crypto: typeof NodeCrypto;
}

export function nodeApis(): NodeApis | null {
  const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof node?.getBuiltinModule !== 'function') return null;
  return {
    fs: node.getBuiltinModule('node:fs/promises') as typeof NodeFs,
    path: node.getBuiltinModule('node:path') as typeof NodePath,
    crypto: node.getBuiltinModule('node:crypto') as typeof NodeCrypto,
  };
}

export interface HubDownload extends DownloadPolicy {
  model: string;
  /** Base URL with a trailing slash. */
  host: string;
  revision: string;
  /** Root of our cache (a folder per host, model and revision below it). */
  cacheDir: string;
  onProgress?: (event: LoadProgress) => void;
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
}

/** The folder a model from this host and revision is cached in: the host is part of the key. */
export function cacheFolder(
  node: NodeApis,
  download: Pick<HubDownload, 'cacheDir' | 'host' | 'model' | 'revision'>,
): string {
  const host = new URL(download.host);
  const readable = `${host.host}${host.pathname}`.replace(/[^\w.-]+/g, '_').slice(0, 60);
  const digest = node.crypto.createHash('sha256').update(download.host).digest('hex').slice(0, 12);
  return node.path.join(
    download.cacheDir,
    'ko-rerank-hub',
    `${readable}-${digest}`,
    ...download.model.split('/'),
    encodeURIComponent(download.revision),
  );
}

/** What a file must be to be cached, beyond parsing (see checkParses). */
export interface FileExpectation {
  /** False: a 404 answers false instead of throwing. Default true. */
  required?: boolean;
  /** Fewer bytes than this (the layout another file declares for it) is a corrupt file, not cached. */
  minimumBytes?: number;
  /** The file that declares `minimumBytes`, for the error message. */
  declaredBy?: string;
}

/**
 * Makes `file` present in `folder`, downloading it when absent. Returns false for an optional file the
 * server does not have. Errors: ModelLoadError (MODEL_FILE_MISSING, MODEL_FILE_CORRUPT, MODEL_LOAD_FAILED,
 * DOWNLOAD_STALLED), AbortedError.
 */
/** undici says "fetch failed"; its cause says why (ENOTFOUND, ECONNREFUSED, a timeout). */
export function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return detail ? `${errorMessage(error)}: ${detail}` : errorMessage(error);
}

export async function ensureFile(
  node: NodeApis,
  folder: string,
  file: string,
  download: HubDownload,
  { required = true, minimumBytes = 0, declaredBy }: FileExpectation = {},
): Promise<boolean> {
  const target = node.path.join(folder, file);
  if (
    await node.fs.stat(target).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return true;
  const url = hubFileUrl({ ...download, file });
  const fail = (code: 'MODEL_FILE_MISSING' | 'MODEL_LOAD_FAILED', why: string, cause?: unknown) =>
    new ModelLoadError(code, `Model "${download.model}": ${why}`, { cause, file });
  const typed = (error: unknown) =>
    error instanceof RerankerError
      ? error
      : fail('MODEL_LOAD_FAILED', `the download of ${file} was interrupted (${errorMessage(error)})`, error);

  let response: Response;
  try {
    response = await guardedFetch(download.fetch ?? fetch, url, { headers: requestHeaders(download.host) }, download);
  } catch (error) {
    if (error instanceof RerankerError) throw error;
    // No answer at all: offline, or a host that is not there. Name the host and the ways around it.
    throw fail(
      'MODEL_LOAD_FAILED',
      `${file} could not be downloaded: ${new URL(url).origin} did not answer (${networkReason(error)}). ` +
        'Without a network, load a local model folder; for a mirror, set remoteHost (--remote-host).',
      error,
    );
  }
  if (response.status === 404) {
    await response.body?.cancel();
    if (!required) return false;
    throw fail('MODEL_FILE_MISSING', `${file} is missing (HTTP 404 from ${url})`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw fail(
      'MODEL_LOAD_FAILED',
      `loading ${file} failed (HTTP ${response.status} ${response.statusText} from ${url})`,
    );
  }

  await node.fs.mkdir(node.path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${node.crypto.randomUUID()}`;
  const total = Number(response.headers.get('content-length') ?? 0);
  let loaded = 0;
  const handle = await node.fs.open(partial, 'w');
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => Promise.reject(typed(error)));
      if (done) break;
      await handle.write(value);
      loaded += value.byteLength;
      download.onProgress?.({ file, loaded, total: total || loaded });
    }
    await handle.close();
    if (loaded < minimumBytes) {
      throw new ModelLoadError(
        'MODEL_FILE_CORRUPT',
        `Model "${download.model}": ${file} has ${loaded} bytes, but ${declaredBy ?? 'the model'} places weights up to byte ${minimumBytes} in it`,
        { file },
      );
    }
    await checkParses(node, partial, download.model, file, response.headers.get('content-type'));
    await node.fs.rename(partial, target);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await node.fs.rm(partial, { force: true });
    throw typed(error);
  }
  return true;
}

/**
 * A file reaches the cache only if it parses as what its name says: JSON as JSON, an ONNX graph through
 * its whole protobuf framing (weights skipped). A page served in its place, or a prefix announced as the
 * whole file, fails here instead of failing every later load from the cache. External weight files have
 * no framing of their own; the download's Content-Length check is theirs.
 */
async function checkParses(
  node: NodeApis,
  partial: string,
  model: string,
  file: string,
  contentType: string | null,
): Promise<void> {
  let problem: unknown = null;
  if (file.endsWith('.json')) {
    try {
      JSON.parse(await node.fs.readFile(partial, 'utf8'));
    } catch (error) {
      problem = error;
    }
  } else if (file.endsWith('.onnx')) {
    const source = await openLocalFile(partial);
    try {
      if (source) await readGraphSummary(source);
    } catch (error) {
      problem = error;
    } finally {
      await source?.close?.();
    }
  }
  if (problem !== null) throw corruptFileError(model, file, problem, contentType ? `; served as ${contentType}` : '');
}

/** transformers.js sends a token to the Hugging Face Hub (private models); do the same, and only there. */
function requestHeaders(host: string): Record<string, string> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const token = env['HF_TOKEN'] ?? env['HF_ACCESS_TOKEN'];
  const hostname = new URL(host).hostname;
  const isHub = ['huggingface.co', 'hf.co'].some((h) => hostname === h || hostname.endsWith(`.${h}`));
  return { 'Accept-Encoding': 'identity', ...(isHub && token ? { Authorization: `Bearer ${token}` } : {}) };
}

/** External weight files an ONNX file declares through config.json (`transformers.js_config`). */
export function externalDataFiles(config: Record<string, unknown>, onnxFile: string): string[] {
  const custom = config['transformers.js_config'] as { use_external_data_format?: unknown } | undefined;
  const setting = custom?.use_external_data_format;
  const base = onnxFile.split('/').pop()!;
  let chunks: number;
  if (setting && typeof setting === 'object') {
    const record = setting as Record<string, unknown>;
    chunks = Number(record[base] ?? record[base.replace(/\.onnx$/, '').replace(/_(fp16|quantized)$/, '')] ?? 0);
  } else {
    chunks = Number(setting ?? 0);
  }
  return Array.from(
    { length: Number.isFinite(chunks) ? Math.max(0, Math.min(chunks, 100)) : 0 },
    (_, i) => `${onnxFile}_data${i === 0 ? '' : `_${i}`}`,
  );
}
