/**
 * Converts a Hugging Face cross-encoder checkpoint (safetensors) into the folder transformers.js
 * loads: config.json, tokenizer files, and one ONNX file per dtype (fp32, fp16, q8). Environment-free:
 * reads through a SourceFolder (files in Node, Blobs in a browser) and writes through an OpenFile.
 * Weights stream tensor by tensor, so memory holds one tensor (and its converted copy), not the model.
 */
import type { Dtype } from '../engine/types.js';
import type { CrossEncoderShape } from '../model-builder/config.js';
import {
  type OnnxFilesOptions,
  type OpenFile,
  withExternalDataConfig,
  writeOnnxFiles,
} from '../model-builder/onnx-files.js';
import type { SourceFolder } from './byte-source.js';
import { openCheckpoint } from './checkpoint.js';
import { ConversionError } from './errors.js';
import { baseModelOf, modelCard } from './model-card.js';

export type ConversionProgress =
  | { phase: 'check' }
  | { phase: 'convert'; dtype: Dtype; file: string; tensors: number; totalTensors: number }
  | { phase: 'copy'; file: string };

export interface ConvertOptions {
  dtypes: Dtype[];
  externalData?: OnnxFilesOptions['externalData'];
  maxChunkBytes?: number;
  onProgress?: (event: ConversionProgress) => void;
  /** Checked between tensors. */
  signal?: AbortSignal;
  /** The checkpoint's hub id, for the model card's `base_model` (default: config.json's `_name_or_path`). */
  source?: string;
}

export interface ConversionReport {
  shape: CrossEncoderShape;
  /** Relative path -> bytes, every file written. */
  files: Record<string, number>;
  /** Source dtypes of the weights, e.g. `{ F32: 391 }`. */
  sourceDtypes: Record<string, number>;
  /** Checkpoint tensors the architecture does not use, e.g. `roberta.embeddings.position_ids`. */
  ignoredTensors: string[];
}

const encodeText = (text: string) => new TextEncoder().encode(text);

async function writeWhole(open: OpenFile, file: string, bytes: Uint8Array): Promise<void> {
  const sink = await open(file);
  try {
    await sink.write(bytes);
  } finally {
    await sink.close();
  }
}

export async function convertCheckpoint(
  source: SourceFolder,
  open: OpenFile,
  options: ConvertOptions,
): Promise<ConversionReport> {
  options.onProgress?.({ phase: 'check' });
  const checkpoint = await openCheckpoint(source);
  try {
    const onnx = await writeOnnxFiles(checkpoint.shape, checkpoint.weights, options.dtypes, open, {
      externalData: options.externalData,
      maxChunkBytes: options.maxChunkBytes,
      onProgress: (event) => {
        if (options.signal?.aborted)
          throw new ConversionError('ABORTED', `stopped while writing ${event.file}`, { file: event.file });
        options.onProgress?.({ phase: 'convert', ...event });
      },
    });
    const files = { ...onnx.files };
    for (const file of checkpoint.tokenizerFiles) {
      options.onProgress?.({ phase: 'copy', file });
      const from = (await source.open(file))!;
      const bytes = await from.read(0, from.size);
      await from.close?.();
      await writeWhole(open, file, bytes);
      files[file] = bytes.byteLength;
    }
    // The source config as it is, plus where the external data lives when a file needed it.
    const config = encodeText(
      `${JSON.stringify(withExternalDataConfig(checkpoint.config, onnx.externalData), null, 2)}\n`,
    );
    await writeWhole(open, 'config.json', config);
    files['config.json'] = config.byteLength;
    // The Hub reads a model's task and library from its card: ours says reranker, transformers.js.
    const card = encodeText(
      modelCard({
        baseModel: baseModelOf(checkpoint.config, options.source),
        config: checkpoint.config,
        shape: checkpoint.shape,
        dtypes: options.dtypes,
        files,
      }),
    );
    await writeWhole(open, 'README.md', card);
    files['README.md'] = card.byteLength;
    return {
      shape: checkpoint.shape,
      files,
      sourceDtypes: checkpoint.dtypes,
      ignoredTensors: checkpoint.ignoredTensors,
    };
  } finally {
    await checkpoint.close();
  }
}
