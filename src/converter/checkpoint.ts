/**
 * A Hugging Face cross-encoder checkpoint as the converter sees it: config.json, tokenizer.json, and
 * safetensors weights (one file or shards listed by model.safetensors.index.json). Everything that
 * can be checked without reading weights is checked here, so a conversion never starts on a
 * checkpoint it cannot finish.
 */
import { declaredLabelCount } from '../engine/model-files.js';
import type { CrossEncoderShape, WeightSource } from '../model-builder/config.js';
import { fromHfConfig } from '../model-builder/hf-config.js';
import { expectedWeights } from '../model-builder/weight-names.js';
import { type ByteSource, type SourceFolder, readText } from './byte-source.js';
import { ConversionError } from './errors.js';
import {
  type SafetensorsFile,
  type TensorEntry,
  isFloatDtype,
  openSafetensors,
  readFloatTensor,
} from './safetensors.js';

export const SUPPORTED_ARCHITECTURES = [
  'XLMRobertaForSequenceClassification',
  'BertForSequenceClassification',
] as const;

export interface Checkpoint {
  config: Record<string, unknown>;
  shape: CrossEncoderShape;
  weights: WeightSource;
  /** Tensors in the checkpoint that the architecture does not use (buffers such as `position_ids`). */
  ignoredTensors: string[];
  /** Source dtypes and how many tensors of each, e.g. `{ BF16: 391 }`. */
  dtypes: Record<string, number>;
  /** Tokenizer and config files to copy as they are. */
  tokenizerFiles: string[];
  close(): Promise<void>;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

async function readJson(folder: SourceFolder, file: string): Promise<Record<string, unknown>> {
  const source = await folder.open(file);
  if (!source) throw new ConversionError('CHECKPOINT_FILE_MISSING', `${file} is missing`, { file });
  let value: unknown;
  try {
    value = JSON.parse(await readText(source));
  } catch (error) {
    throw new ConversionError('CHECKPOINT_CORRUPT', `${file} is not valid JSON (${(error as Error).message})`, {
      file,
      cause: error,
    });
  } finally {
    await source.close?.();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ConversionError('CHECKPOINT_CORRUPT', `${file} is not a JSON object`, { file });
  return value as Record<string, unknown>;
}

/** Only what the graph we build computes: one-label BERT / XLM-R classification, exact GELU, absolute positions. */
export function checkConfig(config: Record<string, unknown>): CrossEncoderShape {
  const unsupported = (why: string) =>
    new ConversionError('UNSUPPORTED_CHECKPOINT', `config.json: ${why}`, { file: 'config.json' });
  if (config['auto_map'] !== undefined)
    throw unsupported(
      'the model needs custom code (auto_map); only standard BERT / XLM-RoBERTa cross-encoders can be converted',
    );
  const architectures = Array.isArray(config['architectures']) ? (config['architectures'] as unknown[]) : [];
  const architecture = SUPPORTED_ARCHITECTURES.find((a) => architectures.includes(a));
  if (!architecture)
    throw unsupported(
      `architectures ${JSON.stringify(config['architectures'] ?? null)}; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
    );
  const labels = declaredLabelCount(config);
  if (labels !== 1) throw unsupported(`${labels} labels; a reranker outputs one relevance logit`);
  const activation = config['hidden_act'] ?? 'gelu';
  if (activation !== 'gelu') throw unsupported(`hidden_act "${String(activation)}"; only "gelu" (exact erf) is built`);
  const positions = config['position_embedding_type'] ?? 'absolute';
  if (positions !== 'absolute')
    throw unsupported(`position_embedding_type "${String(positions)}"; only "absolute" is built`);
  const expectedType = architecture.startsWith('XLMRoberta') ? 'xlm-roberta' : 'bert';
  if (config['model_type'] !== expectedType)
    throw unsupported(`model_type "${String(config['model_type'])}" does not match ${architecture}`);
  try {
    const shape = fromHfConfig(config);
    if (shape.hiddenSize % shape.numHeads !== 0)
      throw new Error(`hidden_size ${shape.hiddenSize} is not divisible by num_attention_heads ${shape.numHeads}`);
    return shape;
  } catch (error) {
    if (error instanceof ConversionError) throw error;
    throw new ConversionError(
      'CHECKPOINT_CORRUPT',
      (error as Error).message.replace(/^config\.json: /, 'config.json: '),
      { file: 'config.json', cause: error },
    );
  }
}

/** Opens every safetensors file of the checkpoint and maps tensor names to the file holding them. */
async function openWeights(
  folder: SourceFolder,
): Promise<{ files: SafetensorsFile[]; byName: Map<string, [SafetensorsFile, TensorEntry]> }> {
  const files: SafetensorsFile[] = [];
  const byName = new Map<string, [SafetensorsFile, TensorEntry]>();
  const open = async (source: ByteSource) => {
    // A source whose header does not parse is not in `files` yet: closed here, not left to the GC.
    const file = await openSafetensors(source).catch(async (error: unknown) => {
      await source.close?.();
      throw error;
    });
    files.push(file);
    return file;
  };
  try {
    const single = await folder.open('model.safetensors');
    if (single) {
      const file = await open(single);
      for (const [name, entry] of file.tensors) byName.set(name, [file, entry]);
      return { files, byName };
    }
    const index = await folder.open('model.safetensors.index.json');
    if (!index) {
      const present = await folder.list();
      if (present.some((f) => /^pytorch_model.*\.bin$/.test(f))) {
        throw new ConversionError(
          'UNSUPPORTED_CHECKPOINT',
          'only pytorch_model.bin (a pickle) is here: it cannot be read safely outside Python; convert it to safetensors first (transformers: model.save_pretrained(dir, safe_serialization=True))',
          { file: 'pytorch_model.bin' },
        );
      }
      throw new ConversionError(
        'CHECKPOINT_FILE_MISSING',
        `no model.safetensors or model.safetensors.index.json (found: ${present.join(', ') || 'nothing'})`,
        { file: 'model.safetensors' },
      );
    }
    await index.close?.();
    const weightMap = (await readJson(folder, 'model.safetensors.index.json'))['weight_map'];
    if (!weightMap || typeof weightMap !== 'object') {
      throw new ConversionError('CHECKPOINT_CORRUPT', 'model.safetensors.index.json has no weight_map', {
        file: 'model.safetensors.index.json',
      });
    }
    const shards = new Map<string, SafetensorsFile>();
    for (const [tensor, shardName] of Object.entries(weightMap as Record<string, unknown>)) {
      if (typeof shardName !== 'string' || shardName.includes('..') || shardName.startsWith('/')) {
        throw new ConversionError(
          'CHECKPOINT_CORRUPT',
          `model.safetensors.index.json: tensor "${tensor}" points at ${JSON.stringify(shardName)}`,
          { file: 'model.safetensors.index.json', tensor },
        );
      }
      let shard = shards.get(shardName);
      if (!shard) {
        const source = await folder.open(shardName);
        if (!source)
          throw new ConversionError(
            'CHECKPOINT_FILE_MISSING',
            `shard ${shardName} (listed for "${tensor}") is missing`,
            { file: shardName, tensor },
          );
        shard = await open(source);
        shards.set(shardName, shard);
      }
      const entry = shard.tensors.get(tensor);
      if (!entry)
        throw new ConversionError(
          'CHECKPOINT_CORRUPT',
          `${shardName} does not hold "${tensor}", which the index lists there`,
          { file: shardName, tensor },
        );
      byName.set(tensor, [shard, entry]);
    }
    return { files, byName };
  } catch (error) {
    for (const file of files) await file.source.close?.();
    throw error;
  }
}

/** Every tensor the architecture needs is there, with its shape, as floats: else a typed error naming it. */
function checkTensors(
  expected: Map<string, number[]>,
  byName: Map<string, [SafetensorsFile, TensorEntry]>,
  files: SafetensorsFile[],
): void {
  for (const [name, dims] of expected) {
    const found = byName.get(name);
    if (!found) {
      const close = [...byName.keys()].filter((n) => n.endsWith(name.split('.').slice(-3).join('.'))).slice(0, 3);
      throw new ConversionError(
        'TENSOR_MISSING',
        `tensor "${name}" is missing from the checkpoint${close.length ? ` (similar: ${close.join(', ')})` : ''}`,
        { tensor: name, file: files[0]?.source.name },
      );
    }
    const [file, entry] = found;
    if (entry.shape.length !== dims.length || entry.shape.some((d, i) => d !== dims[i])) {
      throw new ConversionError(
        'TENSOR_MISSHAPED',
        `${file.source.name}: tensor "${name}" is [${entry.shape}], config.json implies [${dims}]`,
        { file: file.source.name, tensor: name },
      );
    }
    if (!isFloatDtype(entry.dtype)) {
      throw new ConversionError(
        'UNSUPPORTED_CHECKPOINT',
        `${file.source.name}: tensor "${name}" is ${entry.dtype}; weights must be F32, F16 or BF16`,
        { file: file.source.name, tensor: name },
      );
    }
  }
}

export async function openCheckpoint(folder: SourceFolder): Promise<Checkpoint> {
  const config = await readJson(folder, 'config.json');
  const shape = checkConfig(config);
  const tokenizerFiles: string[] = [];
  for (const file of TOKENIZER_FILES) {
    const source = await folder.open(file);
    if (source) {
      tokenizerFiles.push(file);
      await source.close?.();
    }
  }
  if (!tokenizerFiles.includes('tokenizer.json')) {
    throw new ConversionError(
      'CHECKPOINT_FILE_MISSING',
      'tokenizer.json is missing: transformers.js needs the fast-tokenizer file (save it with tokenizer.save_pretrained)',
      { file: 'tokenizer.json' },
    );
  }
  const { files, byName } = await openWeights(folder);
  const closeWeights = async () => {
    for (const file of files) await file.source.close?.();
  };
  const expected = expectedWeights(shape);
  try {
    checkTensors(expected, byName, files);
  } catch (error) {
    await closeWeights(); // the caller gets no Checkpoint to close
    throw error;
  }
  const dtypes: Record<string, number> = {};
  for (const name of expected.keys()) {
    const dtype = byName.get(name)![1].dtype;
    dtypes[dtype] = (dtypes[dtype] ?? 0) + 1;
  }
  return {
    config,
    shape,
    weights: {
      shape: (name) => (expected.has(name) ? byName.get(name)?.[1].shape : undefined),
      read: (name) => {
        const [file, entry] = byName.get(name)!;
        return readFloatTensor(file, entry);
      },
    },
    ignoredTensors: [...byName.keys()].filter((name) => !expected.has(name)),
    dtypes,
    tokenizerFiles,
    close: closeWeights,
  };
}
