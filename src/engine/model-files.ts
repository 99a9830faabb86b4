/** Which files make up a model, and turning transformers.js/onnxruntime load failures into typed errors. */
import { ModelLoadError } from './errors.js';
import { errorMessage } from '../errors/error-message.js';
import type { Dtype } from './types.js';

/** transformers.js `dtype` -> the ONNX file it loads. */
export const ONNX_FILE_FOR_DTYPE: Record<Dtype, string> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
};

const NOT_FOUND =
  /could not locate file|file was not found|local file missing|no such file|enoent|status 404|not found/i;
const CORRUPT =
  /protobuf parsing failed|failed to load model|invalid model|load model from .* failed|model_path must not be empty|unexpected end|is not a valid|json|corrupt/i;

const INTERRUPTED = /^terminated$|econnreset|socket hang up|premature close|other side closed/i;

/** `file` of `model` is not what its name says (a page, a prefix, garbage); `note` adds what is known of why. */
export function corruptFileError(model: string, file: string, cause: unknown, note = ''): ModelLoadError {
  return new ModelLoadError(
    'MODEL_FILE_CORRUPT',
    `Model "${model}": ${file} could not be parsed (${errorMessage(cause)}${note})`,
    { cause, file },
  );
}

/** Classifies a failure to load `file` of `model`. */
export function loadError(model: string, file: string, cause: unknown): ModelLoadError {
  const detail = errorMessage(cause);
  if (NOT_FOUND.test(detail)) {
    return new ModelLoadError('MODEL_FILE_MISSING', `Model "${model}": ${file} is missing (${detail})`, {
      cause,
      file,
    });
  }
  if (INTERRUPTED.test(detail)) {
    return new ModelLoadError(
      'MODEL_LOAD_FAILED',
      `Model "${model}": the download of ${file} was interrupted (${detail})`,
      { cause, file },
    );
  }
  if (CORRUPT.test(detail)) return corruptFileError(model, file, cause);
  return new ModelLoadError('MODEL_LOAD_FAILED', `Model "${model}": loading ${file} failed (${detail})`, {
    cause,
    file,
  });
}

/** How many outputs config.json declares (num_labels, else id2label's size, else transformers' default of 1). */
export function declaredLabelCount(config: Record<string, unknown>): number {
  const id2label = config['id2label'];
  if (typeof config['num_labels'] === 'number') return config['num_labels'];
  return id2label && typeof id2label === 'object' ? Object.keys(id2label).length : 1;
}

export interface CrossEncoderConfig {
  modelType: string;
  architecture: string;
  /** Longest sequence the position table allows. */
  maxPositions: number;
}

/** Accepts one-label *ForSequenceClassification configs; anything else is not a cross-encoder reranker. */
export function checkCrossEncoderConfig(model: string, config: Record<string, unknown>): CrossEncoderConfig {
  const unsupported = (why: string) =>
    new ModelLoadError(
      'UNSUPPORTED_MODEL',
      `Model "${model}": config.json ${why}; a reranker must be a one-label *ForSequenceClassification cross-encoder`,
      { file: 'config.json' },
    );
  const architectures = config['architectures'];
  const architecture = Array.isArray(architectures)
    ? architectures.find((a) => typeof a === 'string' && a.endsWith('ForSequenceClassification'))
    : undefined;
  if (typeof architecture !== 'string')
    throw unsupported(`lists architectures ${JSON.stringify(architectures ?? null)}`);
  const labels = declaredLabelCount(config);
  if (labels !== 1) throw unsupported(`declares ${labels} labels`);
  const modelType = String(config['model_type'] ?? '');
  const positions = typeof config['max_position_embeddings'] === 'number' ? config['max_position_embeddings'] : 512;
  const pad = typeof config['pad_token_id'] === 'number' ? config['pad_token_id'] : 1;
  // RoBERTa-family position ids start after the padding index.
  const offset = /roberta/.test(modelType) ? pad + 1 : 0;
  // A table with no usable position would load and then fail every rank: refuse it here.
  if (!Number.isInteger(positions) || positions - offset < 1) {
    throw new ModelLoadError(
      'UNSUPPORTED_MODEL',
      `Model "${model}": config.json gives max_position_embeddings ${positions}, which leaves no token position${offset ? ` (${modelType} positions start after ${offset})` : ''}`,
      { file: 'config.json' },
    );
  }
  return { modelType, architecture, maxPositions: positions - offset };
}
