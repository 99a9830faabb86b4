/**
 * Where a load reads its model from. In Node: a local folder (checked for the files a reranker needs),
 * or a hub id downloaded by `hub-download` into a per-host cache folder. In browsers and workers:
 * transformers.js downloads, through a guarded `env.fetch` (stall timeout, signal, short bodies refused).
 */
import { env } from '@huggingface/transformers';
import { AbortedError, ModelLoadError } from './errors.js';
import { type DownloadPolicy, DEFAULT_STALL_TIMEOUT_MS, guardedFetch } from './guarded-fetch.js';
import { hubBaseUrl, isHubId } from './hub-address.js';
import { sizeProbesAsHead } from './size-probe.js';
import { type NodeApis, cacheFolder, ensureFile, externalDataFiles, nodeApis } from './hub-download.js';
import { corruptFileError } from './model-files.js';
import { openLocalFile } from './model-fit.js';
import { readGraphSummary } from './onnx-shapes.js';
import type { LoadProgress } from './types.js';

export interface SourceRequest extends DownloadPolicy {
  model: string;
  /** Base URL of a hub-layout server (the public option `remoteHost`); undefined: the Hugging Face Hub. */
  hubHost: string | undefined;
  revision: string;
  onnxFile: string;
  onProgress?: (event: LoadProgress) => void;
}

export interface ModelSource {
  /** What transformers.js is given: a folder path, or (browsers) the hub id. */
  location: string;
  /** How errors and `info` name the model: the folder, or the id the caller gave. */
  label: string;
}

/** The files every reranker needs, in the order they are read. */
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

export async function prepareModelSource(request: SourceRequest): Promise<ModelSource> {
  const node = nodeApis();
  if (!node) return browserSource(request);

  const absolute = node.path.resolve(request.model);
  if (await isFolder(node, absolute)) {
    // Checked here so each missing file is named; transformers.js reports some against another file.
    for (const file of [...REQUIRED, request.onnxFile]) {
      if (
        !(await node.fs.stat(node.path.join(absolute, file)).then(
          (s) => s.isFile(),
          () => false,
        ))
      ) {
        throw new ModelLoadError('MODEL_FILE_MISSING', `Model "${absolute}": ${file} is missing`, { file });
      }
    }
    return { location: absolute, label: absolute };
  }
  if (!isHubId(request.model)) {
    const shown =
      request.model.length > 200
        ? `${request.model.slice(0, 200)}... (${request.model.length} characters)`
        : request.model;
    throw new ModelLoadError(
      'MODEL_FILE_MISSING',
      `Model "${shown}" is not a local folder, and not a valid hub id (org/name, each part at most 96 characters); config.json is missing`,
      { file: 'config.json' },
    );
  }

  const { download, folder } = hubCache(node, request);
  // config.json first: a model that is not there at all is reported against it. The other files are
  // independent of each other and download together; external weight files once the graph says their sizes.
  await ensureFile(node, folder, 'config.json', download).catch((error: unknown) => {
    throw error instanceof ModelLoadError ? notAFolderEither(error, absolute) : error;
  });
  const config = await readConfig(node, node.path.join(folder, 'config.json'), request.model);
  const dataFiles = externalDataFiles(config, request.onnxFile);
  const fetchFile = async (file: string, signal: AbortSignal) => {
    await ensureFile(node, folder, file, { ...download, signal });
    if (file !== request.onnxFile || dataFiles.length === 0) return;
    const ends = await externalDataEnds(node, folder, request.model, file);
    await Promise.all(
      dataFiles.map((data) =>
        ensureFile(
          node,
          folder,
          data,
          { ...download, signal },
          {
            minimumBytes: ends.get(node.path.posix.relative(node.path.posix.dirname(file), data)) ?? 0,
            declaredBy: file,
          },
        ),
      ),
    );
  };
  await ensureAll([...REQUIRED.filter((file) => file !== 'config.json'), request.onnxFile], fetchFile, download.signal);
  return { location: folder, label: request.model };
}

/**
 * "models/x" is both a relative folder and a hub id. When it is not a folder here and the hub has no such
 * model (or cannot be reached), say both, so that a missing folder is not read as a download problem.
 */
function notAFolderEither(error: ModelLoadError, absolute: string): ModelLoadError {
  const [, model, why] = /^Model "(.*?)": (.*)$/s.exec(error.message) ?? [];
  if (model === undefined || why === undefined) return error;
  return new ModelLoadError(
    error.code as ConstructorParameters<typeof ModelLoadError>[0],
    `Model "${model}": there is no folder ${absolute}, so it was taken for a hub id, and ${why}`,
    { cause: error.cause, file: 'config.json' },
  );
}

/** How far into each external data file (named relative to the graph) the cached graph places weights. */
async function externalDataEnds(
  node: NodeApis,
  folder: string,
  model: string,
  onnxFile: string,
): Promise<Map<string, number>> {
  const source = await openLocalFile(node.path.join(folder, onnxFile));
  if (!source) return new Map();
  try {
    return (await readGraphSummary(source)).externalDataEnds;
  } catch (cause) {
    throw corruptFileError(model, onnxFile, cause);
  } finally {
    await source.close?.();
  }
}

/** Where a hub id's files are cached: the host is part of the key (hub-download.ts). */
function hubCache(node: NodeApis, request: SourceRequest) {
  const download = {
    ...request,
    host: hubBaseUrl(request.hubHost),
    cacheDir: env.cacheDir ?? node.path.resolve('.cache'),
  };
  return { download, folder: cacheFolder(node, download) };
}

/** The cached config.json, read for its external-data settings; one that does not parse is corrupt. */
async function readConfig(node: NodeApis, file: string, model: string): Promise<Record<string, unknown>> {
  const text = await node.fs.readFile(file, 'utf8').catch(() => '{}');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw corruptFileError(model, 'config.json', cause);
  }
}

/**
 * Node, a hub id: removes `file` from this load's cache folder, so that the next prepareModelSource fetches
 * it again. False (nothing removed) for a local folder, whose files are the user's, and in browsers.
 */
export async function evictCachedFile(request: SourceRequest, file: string): Promise<boolean> {
  const node = nodeApis();
  if (!node || (await isFolder(node, request.model)) || !isHubId(request.model)) return false;
  const { folder } = hubCache(node, request);
  const target = node.path.resolve(folder, file);
  if (!target.startsWith(folder + node.path.sep)) return false; // a file name from an error, never a path out
  await node.fs.rm(target, { force: true });
  return true;
}

/** Runs `fetchFile` for every file at once; the first failure stops the others and is the one thrown. */
async function ensureAll(
  files: string[],
  fetchFile: (file: string, signal: AbortSignal) => Promise<unknown>,
  callerSignal?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, stop.signal]) : stop.signal;
  let failure: { error: unknown } | null = null;
  await Promise.all(
    files.map((file) =>
      fetchFile(file, signal).catch((error: unknown) => {
        if (failure) return; // stopped because another file failed
        failure = { error };
        stop.abort();
      }),
    ),
  );
  if (failure) throw (failure as { error: unknown }).error;
}

// ---- browsers and workers -----------------------------------------------------------------------

let activePolicy: DownloadPolicy = { stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS };
let guardInstalled = false;

/**
 * Routes transformers.js's downloads through `guardedFetch`. Installed once; the policy (signal, stall
 * timeout) is the current load's. A worker loads one model at a time, so one active policy suffices.
 */
function installFetchGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  const inner = sizeProbesAsHead(env.fetch);
  env.fetch = (input: string | URL, init?: RequestInit) => guardedFetch(inner, String(input), init ?? {}, activePolicy);
}

function browserSource(request: SourceRequest): ModelSource {
  installFetchGuard();
  activePolicy = { stallTimeoutMs: request.stallTimeoutMs, ...(request.signal ? { signal: request.signal } : {}) };
  // The worker sets the host itself (configureModelSource) and passes none; a direct caller may pass one.
  if (request.hubHost !== undefined) env.remoteHost = hubBaseUrl(request.hubHost);
  return { location: request.model, label: request.model };
}

/** Ends the load's download policy (browsers); later downloads get the default stall timeout and no signal. */
export function endDownloadPolicy(): void {
  activePolicy = { stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS };
}

/** Any stat failure (absent, ENAMETOOLONG for a 5,000-character id, EACCES) means "not a folder here". */
function isFolder(node: NodeApis, model: string): Promise<boolean> {
  return node.fs.stat(node.path.resolve(model)).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError('loading was cancelled');
}
