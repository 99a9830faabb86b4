/**
 * Points transformers.js at the model source and at onnxruntime-web's own wasm files, which the app
 * serves itself (no CDN: it is unreachable offline and a supply-chain risk).
 */
import { env } from '@huggingface/transformers';
import { HUB_PATH_TEMPLATE, hubBaseUrl } from '../engine/hub-address.js';
import { PICKED_FILES_HOST, PICKED_MODEL_ID, PickedFilesCache } from './picked-files.js';
import { ModelLoadError } from '../engine/errors.js';
import { errorMessage } from '../errors/error-message.js';
import { traceStep } from './load-trace.js';
import { MODEL_CACHE_NAME } from './model-cache-name.js';
import { type RuntimeBuild, type RuntimeIdentity, runtimeBuildOfWasm, runtimeFiles } from './runtime-build.js';

export interface ModelSource {
  /** What to pass to from_pretrained as the model id. */
  modelId: string;
}

/**
 * A hub id uses the hub layout on `hubHost` (the public option `remoteHost`); a URL or a same-origin path ('/models/x') is read as a
 * plain folder of files ('<base>/config.json'), which transformers.js only supports through its
 * remote host settings: host = the parent folder, template = '{model}/', id = the last segment.
 */
export function configureModelSource(
  model: string,
  hubHost: string | undefined,
  files?: Record<string, Blob>,
): ModelSource {
  env.useCustomCache = false;
  env.customCache = null;
  if (files) {
    // Files picked from disk: transformers.js asks its cache first, and the cache has them all.
    env.useCustomCache = true;
    env.customCache = new PickedFilesCache(files) as unknown as typeof env.customCache;
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = PICKED_FILES_HOST;
    env.remotePathTemplate = HUB_PATH_TEMPLATE;
    return { modelId: PICKED_MODEL_ID };
  }
  const isUrl = /^https?:\/\//i.test(model);
  const isPath = model.startsWith('/') || model.startsWith('./') || model.startsWith('../');
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  if (isUrl || isPath) {
    const base = new URL(model.replace(/\/+$/, ''), globalThis.location?.href);
    const segments = base.pathname.split('/');
    const name = segments.pop()!;
    env.remoteHost = `${base.origin}${segments.join('/')}/`;
    env.remotePathTemplate = '{model}/';
    return { modelId: decodeURIComponent(name) };
  }
  env.remoteHost = hubBaseUrl(hubHost);
  env.remotePathTemplate = HUB_PATH_TEMPLATE;
  return { modelId: model };
}

/** What configureRuntime last asked for; it becomes the identity when the runtime's wasm is fetched. */
let requested: RuntimeIdentity | undefined;
let started: RuntimeIdentity | undefined;

/** The runtime this worker started, or undefined while no session has fetched onnxruntime's wasm. */
export function startedRuntime(): RuntimeIdentity | undefined {
  return started;
}

export function configureRuntime(threads: number, browserCache: boolean, build: RuntimeBuild): void {
  watchRuntimeFetch();
  requested = { build, threads };
  env.useBrowserCache = browserCache;
  env.cacheKey = MODEL_CACHE_NAME; // the page holds the same cache open (client/model-cache-hold.ts)
  // transformers.js would re-load onnxruntime's loader from a blob: URL, which a strict CSP forbids;
  // the files are self-hosted (and precached by the service worker), so load them from their URLs.
  env.useWasmCache = false;
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number; proxy?: boolean } };
  if (onnx.wasm && !started) {
    // Both files as an object: giving only the .wasm with threads hangs in a production build.
    onnx.wasm.wasmPaths = runtimeFiles(build);
    onnx.wasm.numThreads = threads;
    onnx.wasm.proxy = false; // we are already in a worker
  }
}

let loaderImported = false;

/**
 * Imports onnxruntime's loader (.mjs, about 100 KB) while the model downloads, instead of after: the
 * session's own import then finds it in the module map. Its failure is left to that import to report.
 */
export function preloadRuntimeLoader(): void {
  if (started || loaderImported || !requested) return;
  loaderImported = true;
  const url = runtimeFiles(requested.build).mjs;
  const begun = performance.now();
  traceStep(`importing onnxruntime's loader ${url}`);
  void import(/* @vite-ignore */ url).then(
    () => traceStep(`imported onnxruntime's loader in ${Math.round(performance.now() - begun)} ms`),
    (error: unknown) => traceStep(`onnxruntime's loader failed to import: ${errorMessage(error)}`),
  );
}

export interface RuntimeDownloadListener {
  progress(loaded: number, total: number): void;
  /** The last byte arrived: what remains is compiling it (streaming compilation has started already). */
  done(): void;
}

let runtimeListener: RuntimeDownloadListener | undefined;
let runtimeFetchWatched = false;

/**
 * onnxruntime fetches its wasm (tens of MB) when the first session is created, after the model's files:
 * without this, a status line would show the last model file for the whole wait.
 */
export function watchRuntimeDownload(listener: RuntimeDownloadListener): void {
  runtimeListener = listener;
}

/**
 * Wraps this worker's fetch once: a fetch of a runtime's wasm fixes which runtime this worker runs and
 * is counted for the download listener; every other response passes through untouched.
 */
function watchRuntimeFetch(): void {
  if (runtimeFetchWatched) return;
  runtimeFetchWatched = true;
  const fetchOriginal = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const build = runtimeBuildOfWasm(new URL(url, globalThis.location?.href).href);
    if (build && !started) started = { build, threads: requested?.threads ?? 1 };
    if (build) traceStep(`fetching onnxruntime's ${url}`);
    const response = await fetchOriginal(input, init);
    if (build) noteRuntimeFileAnswer(url, response);
    if (!build || !response.body) return response;
    const declared = Number(response.headers.get('content-length')) || 0;
    traceStep(`onnxruntime's wasm answered ${response.status}, ${declared} bytes`);
    if (declared > 0) runtimeListener?.progress(0, declared); // the phase shows from its start
    let loaded = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          loaded += chunk.byteLength;
          // A compressed response declares fewer bytes than it yields.
          runtimeListener?.progress(loaded, Math.max(declared, loaded));
          controller.enqueue(chunk);
        },
        flush: () => runtimeListener?.done(),
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** What was wrong with onnxruntime's wasm when this worker fetched it, if anything. */
let runtimeFileFailure: { url: string; what: string } | undefined;

function noteRuntimeFileAnswer(url: string, response: Response): void {
  const type = response.headers.get('content-type') ?? '';
  // A server may label wasm application/octet-stream (onnxruntime then compiles it from a buffer): only a
  // status or a page type says the file is not there.
  if (!response.ok) runtimeFileFailure = { url, what: `answered HTTP ${response.status}` };
  else if (/^text\/|json/i.test(type)) runtimeFileFailure = { url, what: `answered ${type}, not wasm` };
}

/**
 * A load that failed because onnxruntime's own files (its .wasm, or its .mjs loader) did not load, said
 * as such: onnxruntime reports it as "no available backend" while loading the model, which would blame
 * the model file. Null when the failure is something else.
 */
export function runtimeFilesError(cause: unknown): ModelLoadError | null {
  const build = requested?.build;
  const loader = build && runtimeFiles(build).mjs;
  const message = errorMessage(cause);
  // The loader's URL is in Chromium's and Firefox's message; WebKit says only "Importing a module script
  // failed". Either way the wasm backend failed before it ever asked for its .wasm.
  const loaderFailed =
    loader !== undefined && (message.includes(loader) || (!started && /no available backend.*\[wasm\]/s.test(message)));
  const failure = runtimeFileFailure ?? (loaderFailed ? { url: loader, what: 'could not be imported' } : undefined);
  if (!failure) return null;
  return new ModelLoadError(
    'MODEL_LOAD_FAILED',
    `onnxruntime-web's file ${failure.url} ${failure.what}: the app must serve onnxruntime's .wasm and .mjs files where the build put them, next to the worker (in the package: dist/lib/assets)`,
    { file: failure.url, cause },
  );
}

/** The GPUDevice onnxruntime created, if its WebGPU backend initialised. */
export function webGpuDevice(): { lost?: Promise<unknown>; label?: string } | undefined {
  return (env.backends.onnx as { webgpu?: { device?: { lost?: Promise<unknown>; label?: string } } }).webgpu?.device;
}
