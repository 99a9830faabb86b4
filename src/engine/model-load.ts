/**
 * Loading a cross-encoder for the Reranker: the load options checked, the model's files located (or
 * downloaded), then its config, tokenizer and onnxruntime session built with transformers.js, and the
 * tokenizer and config checked against the graph. Every failure is a typed error naming the file, and a
 * session built for a load that fails is freed. No DOM and no Node APIs (those come through hooks).
 */
import {
  AutoConfig,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  type PretrainedConfig,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { AbortedError, InvalidInputError, ModelLoadError, RerankerError } from './errors.js';
import { DEFAULT_STALL_TIMEOUT_MS } from './guarded-fetch.js';
import { type CrossEncoderConfig, ONNX_FILE_FOR_DTYPE, checkCrossEncoderConfig, loadError } from './model-files.js';
import { type ModelFileOpener, checkModelFits, largestTokenId, localModelFiles } from './model-fit.js';
import {
  type ModelSource,
  type SourceRequest,
  evictCachedFile,
  prepareModelSource,
  throwIfAborted,
} from './model-source.js';
import { PairEncoder } from './pair-encoder.js';
import { type ScoreCacheLimits, checkCacheLimits } from './score-cache.js';
import { modelInputNames } from './transformers-internals.js';
import type { Device, Dtype, LoadOptions, LoadProgress } from './types.js';
import { type Limits, checkSignal, nonEmptyString, oneOf, positiveInteger } from './validation.js';

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8'];
const DEVICES: readonly Device[] = ['cpu', 'wasm', 'webgpu'];

export interface RerankerInfo {
  model: string;
  dtype: Dtype;
  device: Device;
  /** e.g. XLMRobertaForSequenceClassification */
  architecture: string;
  /** Longest pair the model takes, special tokens included. */
  maxLength: number;
  /**
   * Set when config.json says the model was generated (`generated_by`, as the project's model builder
   * writes): random weights, so its scores show the mechanics, not relevance. Reports should say so.
   */
  generatedBy?: string;
}

/** What a host environment adds to a load (the worker reads model files from its own cache or URL). */
export interface LoadHooks {
  /** Random access to the loaded model's files, for the load-time fit check (default: Node's disk). */
  openModelFile?: ModelFileOpener;
}

/** A loaded model and what ranking with it needs. */
export interface LoadedModel {
  info: RerankerInfo;
  model: PreTrainedModel;
  encoder: PairEncoder;
  /** Input sizes the caller allowed (documents per call, characters per text). */
  limits: Limits;
  /** Whether the graph has a `token_type_ids` input (BERT has, XLM-R has not). */
  takesTokenTypes: boolean;
  cacheLimits: ScoreCacheLimits;
}

/** transformers.js reports {status, file, loaded, total}; pass on the byte counts only. */
function progressAdapter(onProgress: (event: LoadProgress) => void) {
  return (info: { status?: string; file?: string; loaded?: number; total?: number }) => {
    if (info.status === 'progress' && typeof info.file === 'string') {
      onProgress({ file: info.file, loaded: info.loaded ?? 0, total: info.total ?? 0 });
    }
  };
}

/** The load options checked, with their defaults: an InvalidInputError before anything is fetched. */
function checkLoadOptions(options: LoadOptions) {
  if (typeof options !== 'object' || options === null)
    throw new InvalidInputError('Reranker.load needs an options object with a model');
  const dtype = oneOf('dtype', options.dtype, DTYPES, 'fp32');
  return {
    requested: nonEmptyString('model', options.model, 'a local folder or a model id'),
    dtype,
    device: oneOf('device', options.device, DEVICES, 'cpu'),
    revision: options.revision ?? 'main',
    limits: {
      maxDocuments: positiveInteger('maxDocuments', options.maxDocuments, 1000),
      maxCharacters: positiveInteger('maxCharacters', options.maxCharacters, 100_000),
    },
    signal: checkSignal(options.signal),
    hubHost:
      options.remoteHost === undefined
        ? undefined
        : nonEmptyString('remoteHost', options.remoteHost, 'the base URL of a hub-layout server'),
    stallTimeoutMs: positiveInteger('stallTimeoutMs', options.stallTimeoutMs, DEFAULT_STALL_TIMEOUT_MS),
    onnxFile: ONNX_FILE_FOR_DTYPE[dtype],
    cacheLimits: checkCacheLimits(options.scoreCache),
  };
}

export async function loadModel(options: LoadOptions, hooks: LoadHooks = {}): Promise<LoadedModel> {
  const checked = checkLoadOptions(options);
  throwIfAborted(checked.signal);
  // Host, cache key, stall timeout and signal belong to this load (see model-source.ts).
  const request: SourceRequest = {
    model: checked.requested,
    hubHost: checked.hubHost,
    revision: checked.revision,
    onnxFile: checked.onnxFile,
    stallTimeoutMs: checked.stallTimeoutMs,
    ...(checked.signal ? { signal: checked.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const attempt = async () => buildModel(await prepareModelSource(request), checked, options, hooks);
  try {
    return await attempt();
  } catch (error) {
    // A hub file that does not parse may have been cached from a broken answer (or by an older version of
    // the cache): it is evicted and fetched again, once. A second failure is the hub's, and is reported.
    if (!(error instanceof ModelLoadError && error.code === 'MODEL_FILE_CORRUPT' && error.file)) throw error;
    if (!(await evictCachedFile(request, error.file))) throw error;
    return attempt();
  }
}

/** Config, tokenizer and session from a located model, checked against each other. */
async function buildModel(
  { label: model, location }: ModelSource,
  { dtype, device, revision, limits, signal, onnxFile, cacheLimits }: ReturnType<typeof checkLoadOptions>,
  options: LoadOptions,
  hooks: LoadHooks,
): Promise<LoadedModel> {
  const progress_callback = options.onProgress ? progressAdapter(options.onProgress) : undefined;
  let config: PretrainedConfig;
  try {
    throwIfAborted(signal);
    config = await AutoConfig.from_pretrained(location, { revision, progress_callback });
  } catch (cause) {
    if (cause instanceof RerankerError) throw cause;
    throw loadError(model, 'config.json', cause);
  }
  const crossEncoder = checkCrossEncoderConfig(model, config as unknown as Record<string, unknown>);

  throwIfAborted(signal);
  const { tokenizer, sessionLoad, abandonSession } = await loadTokenizerAndSession(
    model,
    location,
    { config, revision, dtype, device, progress_callback },
    onnxFile,
  );
  let encoder: PairEncoder;
  let maxLength: number;
  try {
    encoder = new PairEncoder(tokenizer);
    maxLength = Math.min(crossEncoder.maxPositions, tokenizer.model_max_length ?? Infinity);
    checkPairLength(model, crossEncoder, encoder, maxLength);
  } catch (error) {
    abandonSession();
    throw error instanceof RerankerError ? error : loadError(model, 'tokenizer.json', error);
  }
  const session: PreTrainedModel = await sessionLoad;
  if (signal?.aborted) {
    // Building a session cannot be interrupted; one built after the abort is freed, not returned.
    await session.dispose();
    throw new AbortedError('loading was cancelled');
  }
  const configPositions = (config as unknown as { max_position_embeddings?: unknown }).max_position_embeddings;
  let inputNames: readonly string[];
  try {
    inputNames = modelInputNames(session);
    // The file transformers.js read: in Node a local folder (hub ids are downloaded into one first).
    await checkModelFits(hooks.openModelFile ?? localModelFiles(() => [location]), {
      model,
      onnxFile,
      maxTokenId: largestTokenId(tokenizer),
      maxLength,
      positionOffset: (typeof configPositions === 'number' ? configPositions : 512) - crossEncoder.maxPositions,
    });
  } catch (error) {
    await session.dispose().catch(() => undefined);
    throw error instanceof RerankerError ? error : loadError(model, onnxFile, error);
  }
  const generatedBy = (config as unknown as { generated_by?: unknown }).generated_by;
  return {
    info: {
      model,
      dtype,
      device,
      architecture: crossEncoder.architecture,
      maxLength,
      ...(typeof generatedBy === 'string' && generatedBy !== '' ? { generatedBy } : {}),
    },
    model: session,
    encoder,
    limits,
    takesTokenTypes: inputNames.includes('token_type_ids'),
    cacheLimits,
  };
}

/**
 * The tokenizer and the graph are independent once the config is known: fetched and built together.
 * Resolves when the tokenizer is in; the session is still being built then (`sessionLoad`), and
 * `abandonSession` frees it whenever it is done, for a load that fails after this point.
 */
async function loadTokenizerAndSession(
  model: string,
  location: string,
  settings: {
    config: PretrainedConfig;
    revision: string;
    dtype: Dtype;
    device: Device;
    progress_callback: ReturnType<typeof progressAdapter> | undefined;
  },
  onnxFile: string,
): Promise<{ tokenizer: PreTrainedTokenizer; sessionLoad: Promise<PreTrainedModel>; abandonSession: () => void }> {
  const { revision, progress_callback } = settings;
  const tokenizerLoad = AutoTokenizer.from_pretrained(location, { revision, progress_callback }).catch(
    (cause: unknown) => {
      throw cause instanceof RerankerError
        ? cause
        : loadError(model, /tokenizer_config/.test(String(cause)) ? 'tokenizer_config.json' : 'tokenizer.json', cause);
    },
  );
  const sessionLoad = AutoModelForSequenceClassification.from_pretrained(location, settings) // config given: not fetched again
    .catch((cause: unknown) => {
      throw cause instanceof RerankerError ? cause : loadError(model, onnxFile, cause);
    });
  // A failure is reported at once; a session still being built then is freed when it is done.
  sessionLoad.catch(() => undefined); // handled here, awaited by the caller
  const abandonSession = () =>
    void sessionLoad
      .then(
        (session) => session.dispose(),
        () => undefined,
      )
      .catch(() => undefined);
  try {
    return { tokenizer: await tokenizerLoad, sessionLoad, abandonSession };
  } catch (error) {
    if (!(error instanceof ModelLoadError && error.code === 'DOWNLOAD_STALLED')) {
      abandonSession();
      throw error;
    }
    // A stall can be the symptom of another download stalling (a browser shares a few connections per
    // host): when the graph's download fails too, that failure is the one to report.
    const graphFailure = await sessionLoad.then(
      (session) => void session.dispose().catch(() => undefined),
      (cause: unknown) => cause,
    );
    throw graphFailure ?? error;
  }
}

/** Refused at load when no query and passage fit: otherwise every rank would fail with a RangeError. */
function checkPairLength(model: string, crossEncoder: CrossEncoderConfig, encoder: PairEncoder, maxLength: number) {
  if (maxLength >= encoder.pairSpecialTokens + 2) return;
  const file = crossEncoder.maxPositions === maxLength ? 'config.json' : 'tokenizer_config.json';
  const setting = file === 'config.json' ? 'max_position_embeddings' : 'model_max_length';
  throw new ModelLoadError(
    'UNSUPPORTED_MODEL',
    `Model "${model}": ${file} ${setting} allows ${maxLength} tokens per pair, fewer than the ${encoder.pairSpecialTokens + 2} a query and a passage need`,
    { file },
  );
}
