/**
 * The ONNX files of a cross-encoder, one per dtype, under the names transformers.js loads, written
 * tensor by tensor from a weight source. Shared by the model builder (random weights) and the
 * checkpoint converter (safetensors). Environment-free: the caller opens the files.
 */
import { ONNX_FILE_FOR_DTYPE } from '../engine/model-files.js';
import type { Dtype } from '../engine/types.js';
import type { CrossEncoderShape, WeightSource } from './config.js';
import { buildCrossEncoderGraph } from './cross-encoder-graph.js';
import type { LazyModel } from './onnx-graph.js';
import { type ByteSink, type OnnxWriteOptions, writeOnnxModel } from './onnx-writer.js';
import { quantizeModel } from './quantize.js';

/** Opens a file of the model folder by its relative path (`onnx/model.onnx`). */
export type OpenFile = (relativePath: string) => Promise<ByteSink>;

export interface OnnxFilesOptions extends Pick<OnnxWriteOptions, 'externalData' | 'maxChunkBytes'> {
  /** Called after each tensor of each file. */
  onProgress?: (event: { dtype: Dtype; file: string; tensors: number; totalTensors: number }) => void;
}

export interface WrittenOnnxFiles {
  /** Relative path -> bytes. */
  files: Record<string, number>;
  /** `onnx/` file name -> number of external data files, for config.json's `use_external_data_format`. */
  externalData: Record<string, number>;
}

function graphFor(dtype: Dtype, shape: CrossEncoderShape, weights: WeightSource): LazyModel {
  if (dtype === 'fp16') return buildCrossEncoderGraph(shape, weights, 'float16');
  const fp32 = buildCrossEncoderGraph(shape, weights, 'float32');
  return dtype === 'q8' ? quantizeModel(fp32) : fp32;
}

export async function writeOnnxFiles(
  shape: CrossEncoderShape,
  weights: WeightSource,
  dtypes: Dtype[],
  open: OpenFile,
  options: OnnxFilesOptions = {},
): Promise<WrittenOnnxFiles> {
  const result: WrittenOnnxFiles = { files: {}, externalData: {} };
  for (const dtype of dtypes) {
    const relative = ONNX_FILE_FOR_DTYPE[dtype];
    const folder = relative.slice(0, relative.lastIndexOf('/') + 1); // "onnx/"
    const fileName = relative.slice(folder.length);
    const model = graphFor(dtype, shape, weights);
    // Announce the file before its first tensor: reading and converting one can take a while.
    options.onProgress?.({ dtype, file: relative, tensors: 0, totalTensors: model.initializers.length });
    const written = await writeOnnxModel(model, fileName, (name) => open(folder + name), {
      externalData: options.externalData,
      maxChunkBytes: options.maxChunkBytes,
      onTensor: (tensors, totalTensors) => options.onProgress?.({ dtype, file: relative, tensors, totalTensors }),
    });
    for (const [name, bytes] of Object.entries(written.files)) result.files[folder + name] = bytes;
    if (written.externalDataFiles > 0) result.externalData[fileName] = written.externalDataFiles;
  }
  return result;
}

/**
 * config.json with `transformers.js_config.use_external_data_format` set per file, so transformers.js
 * fetches `model.onnx_data` (and `_1`, ...) with the model. Other keys are kept as they are.
 */
export function withExternalDataConfig(
  config: Record<string, unknown>,
  externalData: Record<string, number>,
): Record<string, unknown> {
  if (Object.keys(externalData).length === 0) return config;
  const existing = (config['transformers.js_config'] ?? {}) as Record<string, unknown>;
  return { ...config, 'transformers.js_config': { ...existing, use_external_data_format: externalData } };
}
