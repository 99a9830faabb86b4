/**
 * Writes a cross-encoder in the Hugging Face repository layout that transformers.js loads:
 * config.json, tokenizer files, and onnx/model.onnx (fp32), model_fp16.onnx, model_quantized.onnx (q8).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dtype } from '../engine/types.js';
import { type CrossEncoderShape, type WeightMap, encoderPrefix, weightSourceFromMap } from './config.js';
import { toHfConfig } from './hf-config.js';
import { nodeFileOpener } from './node-file-sink.js';
import { type OnnxFilesOptions, withExternalDataConfig, writeOnnxFiles } from './onnx-files.js';
import type { ShapePreset } from './presets.js';
import { randomWeights } from './random-weights.js';
import { type CheckpointTensor, type SafetensorsWriteOptions, writeSafetensors } from './safetensors-writer.js';
import { buildTokenizerFiles } from './tokenizer-files.js';

const CHECKPOINT_TORCH_DTYPE = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

/** The dtypes and file names are the ones the engine loads. */
export type ModelDtype = Dtype;

export interface WriteModelOptions {
  preset: ShapePreset;
  outDir: string;
  seed?: number;
  dtypes?: ModelDtype[];
  /**
   * Parameters under their Hugging Face names. Default: seeded random. A loader for a real
   * safetensors checkpoint plugs in here (its vocabulary must then match the tokenizer it ships).
   */
  weights?: (shape: CrossEncoderShape) => WeightMap;
  /** External data files for the ONNX models: `auto` (default) only past protobuf's 2 GB limit. */
  externalData?: OnnxFilesOptions['externalData'];
  /**
   * `safetensors`: write a Hugging Face checkpoint (config, tokenizer, model.safetensors or shards)
   * instead of ONNX files, the input the converter takes.
   */
  format?: 'onnx' | 'safetensors';
  checkpoint?: SafetensorsWriteOptions & {
    /** Also save `{prefix}.embeddings.position_ids` (int64), as older transformers versions did. */
    positionIdsBuffer?: boolean;
  };
  /** Embedding rows beyond the tokenizer's vocabulary (a real model's 250,002), for full-size files. */
  vocabSize?: number;
}

export interface WrittenModel {
  shape: CrossEncoderShape;
  weights: WeightMap;
  files: Record<string, number>;
}

export function shapeFor(
  preset: ShapePreset,
  vocabSize?: number,
): { shape: CrossEncoderShape; tokenizer: ReturnType<typeof buildTokenizerFiles> } {
  const tokenizer = buildTokenizerFiles(preset.architecture, preset.maxLength);
  if (vocabSize !== undefined && vocabSize < tokenizer.vocabSize)
    throw new RangeError(`vocabSize ${vocabSize} is below the tokenizer's ${tokenizer.vocabSize} pieces`);
  const xlmr = preset.architecture === 'xlm-roberta';
  const shape: CrossEncoderShape = {
    architecture: preset.architecture,
    vocabSize: vocabSize ?? tokenizer.vocabSize,
    hiddenSize: preset.hiddenSize,
    numLayers: preset.numLayers,
    numHeads: preset.numHeads,
    intermediateSize: preset.intermediateSize,
    // XLM-R positions start after the padding index (514 slots for 512 tokens).
    maxPositionEmbeddings: xlmr ? preset.maxLength + tokenizer.padTokenId + 1 : preset.maxLength,
    typeVocabSize: xlmr ? 1 : 2,
    layerNormEps: xlmr ? 1e-5 : 1e-12,
    padTokenId: tokenizer.padTokenId,
  };
  return { shape, tokenizer };
}

export async function writeCrossEncoder(options: WriteModelOptions): Promise<WrittenModel> {
  const { preset, outDir, seed = 42, dtypes = ['fp32', 'fp16', 'q8'] } = options;
  const { shape, tokenizer } = shapeFor(preset, options.vocabSize);
  const weights = options.weights ? options.weights(shape) : randomWeights(shape, seed);
  const files: Record<string, number> = {};
  const write = async (relative: string, content: string | Uint8Array) => {
    const target = path.join(outDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    files[relative] = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  };
  const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;

  await write('tokenizer.json', JSON.stringify(tokenizer.tokenizerJson));
  await write('tokenizer_config.json', json(tokenizer.tokenizerConfig));
  await write('special_tokens_map.json', json(tokenizer.specialTokensMap));
  if (options.format === 'safetensors') {
    const tensors: CheckpointTensor[] = [...weights].map(([name, { shape, data }]) => ({ name, shape, data }));
    if (options.checkpoint?.positionIdsBuffer) {
      const positions = BigInt64Array.from({ length: shape.maxPositionEmbeddings }, (_, i) => BigInt(i));
      tensors.splice(1, 0, {
        name: `${encoderPrefix(shape.architecture)}.embeddings.position_ids`,
        shape: [1, shape.maxPositionEmbeddings],
        data: positions,
      });
    }
    const open = nodeFileOpener(outDir);
    for (const file of await writeSafetensors(tensors, open, options.checkpoint))
      files[file] = (await stat(path.join(outDir, file))).size;
    const config = toHfConfig(shape);
    await write(
      'config.json',
      json({ ...config, torch_dtype: CHECKPOINT_TORCH_DTYPE[options.checkpoint?.dtype ?? 'F32'] }),
    );
    return { shape, weights, files };
  }
  const onnx = await writeOnnxFiles(shape, weightSourceFromMap(weights), dtypes, nodeFileOpener(outDir), {
    externalData: options.externalData,
  });
  Object.assign(files, onnx.files);
  await write('config.json', json(withExternalDataConfig(toHfConfig(shape), onnx.externalData)));
  return { shape, weights, files };
}
