/**
 * Writes a cross-encoder in the Hugging Face repository layout that transformers.js loads:
 * config.json, tokenizer files, and onnx/model.onnx (fp32), model_fp16.onnx, model_quantized.onnx (q8).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dtype } from '../engine/types.js';
import { type CrossEncoderShape, type WeightMap, weightSourceFromMap } from './config.js';
import { toHfConfig } from './hf-config.js';
import { nodeFileOpener } from './node-file-sink.js';
import { type OnnxFilesOptions, withExternalDataConfig, writeOnnxFiles } from './onnx-files.js';
import type { ShapePreset } from './presets.js';
import { randomWeights } from './random-weights.js';
import { buildTokenizerFiles } from './tokenizer-files.js';

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
}

export interface WrittenModel {
  shape: CrossEncoderShape;
  weights: WeightMap;
  files: Record<string, number>;
}

export function shapeFor(preset: ShapePreset): { shape: CrossEncoderShape; tokenizer: ReturnType<typeof buildTokenizerFiles> } {
  const tokenizer = buildTokenizerFiles(preset.architecture, preset.maxLength);
  const xlmr = preset.architecture === 'xlm-roberta';
  const shape: CrossEncoderShape = {
    architecture: preset.architecture,
    vocabSize: tokenizer.vocabSize,
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
  const { shape, tokenizer } = shapeFor(preset);
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
  const onnx = await writeOnnxFiles(shape, weightSourceFromMap(weights), dtypes, nodeFileOpener(outDir), { externalData: options.externalData });
  Object.assign(files, onnx.files);
  await write('config.json', json(withExternalDataConfig(toHfConfig(shape), onnx.externalData)));
  return { shape, weights, files };
}
