/**
 * Looks up and checks every parameter the reference forward pass reads, before any arithmetic,
 * so a missing or misshapen tensor fails with its Hugging Face state-dict name.
 */
import { encoderPrefix, type CrossEncoderShape, type WeightMap } from '../model-builder/config.ts';

export interface LinearParams {
  /** [outFeatures, inFeatures], PyTorch nn.Linear layout. */
  weight: Float32Array;
  bias: Float32Array;
  inFeatures: number;
  outFeatures: number;
}

export interface NormParams {
  weight: Float32Array;
  bias: Float32Array;
}

export interface LayerParams {
  query: LinearParams;
  key: LinearParams;
  value: LinearParams;
  attentionOutput: LinearParams;
  attentionNorm: NormParams;
  intermediate: LinearParams;
  output: LinearParams;
  outputNorm: NormParams;
}

export interface EmbeddingParams {
  word: Float32Array;
  position: Float32Array;
  tokenType: Float32Array;
  norm: NormParams;
}

/** XLM-R: classifier.dense -> tanh -> classifier.out_proj. BERT: pooler.dense -> tanh -> classifier. */
export interface HeadParams {
  dense: LinearParams;
  projection: LinearParams;
}

export interface ModelParams {
  embeddings: EmbeddingParams;
  layers: LayerParams[];
  head: HeadParams;
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

/** Rejects shapes the forward pass cannot run, naming the offending field. */
export function validateShape(shape: CrossEncoderShape): void {
  if (shape.architecture !== 'xlm-roberta' && shape.architecture !== 'bert') {
    throw new Error(`reference: unknown architecture ${JSON.stringify(shape.architecture)}`);
  }
  const positiveFields = [
    'vocabSize',
    'hiddenSize',
    'numLayers',
    'numHeads',
    'intermediateSize',
    'maxPositionEmbeddings',
    'typeVocabSize',
  ] as const;
  for (const field of positiveFields) {
    if (!isPositiveInteger(shape[field])) {
      throw new Error(`reference: shape.${field} must be a positive integer, got ${shape[field]}`);
    }
  }
  if (shape.hiddenSize % shape.numHeads !== 0) {
    throw new Error(
      `reference: shape.hiddenSize (${shape.hiddenSize}) is not divisible by shape.numHeads (${shape.numHeads})`,
    );
  }
  if (!(Number.isFinite(shape.layerNormEps) && shape.layerNormEps >= 0)) {
    throw new Error(`reference: shape.layerNormEps must be finite and >= 0, got ${shape.layerNormEps}`);
  }
  if (!Number.isInteger(shape.padTokenId) || shape.padTokenId < 0 || shape.padTokenId >= shape.vocabSize) {
    throw new Error(
      `reference: shape.padTokenId must be an integer in [0, ${shape.vocabSize}), got ${shape.padTokenId}`,
    );
  }
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The tensor's data, after checking that it exists, has exactly `expected` as shape, and a matching length. */
function tensor(weights: WeightMap, name: string, expected: readonly number[]): Float32Array {
  const found = weights.get(name);
  if (found === undefined)
    throw new Error(`reference: missing weight "${name}" (expected shape ${formatShape(expected)})`);
  const sameShape =
    found.shape.length === expected.length && found.shape.every((size, axis) => size === expected[axis]);
  if (!sameShape) {
    throw new Error(
      `reference: weight "${name}" has shape ${formatShape(found.shape)}, expected ${formatShape(expected)}`,
    );
  }
  const elements = expected.reduce((product, size) => product * size, 1);
  if (!(found.data instanceof Float32Array) || found.data.length !== elements) {
    throw new Error(
      `reference: weight "${name}" must hold a Float32Array of ${elements} elements, got ${found.data?.length ?? 'none'}`,
    );
  }
  return found.data;
}

function linearParams(weights: WeightMap, name: string, outFeatures: number, inFeatures: number): LinearParams {
  return {
    weight: tensor(weights, `${name}.weight`, [outFeatures, inFeatures]),
    bias: tensor(weights, `${name}.bias`, [outFeatures]),
    inFeatures,
    outFeatures,
  };
}

function normParams(weights: WeightMap, name: string, width: number): NormParams {
  return { weight: tensor(weights, `${name}.weight`, [width]), bias: tensor(weights, `${name}.bias`, [width]) };
}

/** Every parameter of the sequence-classification model, by Hugging Face name, checked against `shape`. */
export function loadParams(shape: CrossEncoderShape, weights: WeightMap): ModelParams {
  validateShape(shape);
  const prefix = encoderPrefix(shape.architecture);
  const h = shape.hiddenSize;
  const embeddings: EmbeddingParams = {
    word: tensor(weights, `${prefix}.embeddings.word_embeddings.weight`, [shape.vocabSize, h]),
    position: tensor(weights, `${prefix}.embeddings.position_embeddings.weight`, [shape.maxPositionEmbeddings, h]),
    tokenType: tensor(weights, `${prefix}.embeddings.token_type_embeddings.weight`, [shape.typeVocabSize, h]),
    norm: normParams(weights, `${prefix}.embeddings.LayerNorm`, h),
  };
  const layers: LayerParams[] = [];
  for (let i = 0; i < shape.numLayers; i++) {
    const layer = `${prefix}.encoder.layer.${i}`;
    layers.push({
      query: linearParams(weights, `${layer}.attention.self.query`, h, h),
      key: linearParams(weights, `${layer}.attention.self.key`, h, h),
      value: linearParams(weights, `${layer}.attention.self.value`, h, h),
      attentionOutput: linearParams(weights, `${layer}.attention.output.dense`, h, h),
      attentionNorm: normParams(weights, `${layer}.attention.output.LayerNorm`, h),
      intermediate: linearParams(weights, `${layer}.intermediate.dense`, shape.intermediateSize, h),
      output: linearParams(weights, `${layer}.output.dense`, h, shape.intermediateSize),
      outputNorm: normParams(weights, `${layer}.output.LayerNorm`, h),
    });
  }
  const head: HeadParams =
    shape.architecture === 'xlm-roberta'
      ? {
          dense: linearParams(weights, 'classifier.dense', h, h),
          projection: linearParams(weights, 'classifier.out_proj', 1, h),
        }
      : {
          dense: linearParams(weights, 'bert.pooler.dense', h, h),
          projection: linearParams(weights, 'classifier', 1, h),
        };
  return { embeddings, layers, head };
}
