/** Seeded random weights for small models of both architectures, named as in the HF state dict. */
import { encoderPrefix, type CrossEncoderShape, type WeightMap } from '../../src/model-builder/config.ts';

/** mulberry32: a tiny deterministic PRNG, returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tinyShape(
  architecture: CrossEncoderShape['architecture'],
  overrides: Partial<CrossEncoderShape> = {},
): CrossEncoderShape {
  const xlmr = architecture === 'xlm-roberta';
  return {
    architecture,
    vocabSize: 30,
    hiddenSize: 8,
    numLayers: 2,
    numHeads: 2,
    intermediateSize: 16,
    // XLM-R needs padTokenId + 1 extra rows in front of its positions.
    maxPositionEmbeddings: xlmr ? 24 : 22,
    typeVocabSize: xlmr ? 1 : 2,
    layerNormEps: 1e-5,
    padTokenId: xlmr ? 1 : 0,
    ...overrides,
  };
}

/** Every tensor the sequence-classification model has, with its PyTorch shape. */
export function weightShapes(shape: CrossEncoderShape): Map<string, number[]> {
  const p = encoderPrefix(shape.architecture);
  const h = shape.hiddenSize;
  const i = shape.intermediateSize;
  const shapes = new Map<string, number[]>([
    [`${p}.embeddings.word_embeddings.weight`, [shape.vocabSize, h]],
    [`${p}.embeddings.position_embeddings.weight`, [shape.maxPositionEmbeddings, h]],
    [`${p}.embeddings.token_type_embeddings.weight`, [shape.typeVocabSize, h]],
    [`${p}.embeddings.LayerNorm.weight`, [h]],
    [`${p}.embeddings.LayerNorm.bias`, [h]],
  ]);
  for (let l = 0; l < shape.numLayers; l++) {
    const layer = `${p}.encoder.layer.${l}`;
    for (const name of [
      'attention.self.query',
      'attention.self.key',
      'attention.self.value',
      'attention.output.dense',
    ]) {
      shapes.set(`${layer}.${name}.weight`, [h, h]);
      shapes.set(`${layer}.${name}.bias`, [h]);
    }
    shapes.set(`${layer}.attention.output.LayerNorm.weight`, [h]);
    shapes.set(`${layer}.attention.output.LayerNorm.bias`, [h]);
    shapes.set(`${layer}.intermediate.dense.weight`, [i, h]);
    shapes.set(`${layer}.intermediate.dense.bias`, [i]);
    shapes.set(`${layer}.output.dense.weight`, [h, i]);
    shapes.set(`${layer}.output.dense.bias`, [h]);
    shapes.set(`${layer}.output.LayerNorm.weight`, [h]);
    shapes.set(`${layer}.output.LayerNorm.bias`, [h]);
  }
  if (shape.architecture === 'xlm-roberta') {
    shapes.set('classifier.dense.weight', [h, h]);
    shapes.set('classifier.dense.bias', [h]);
    shapes.set('classifier.out_proj.weight', [1, h]);
    shapes.set('classifier.out_proj.bias', [1]);
  } else {
    shapes.set('bert.pooler.dense.weight', [h, h]);
    shapes.set('bert.pooler.dense.bias', [h]);
    shapes.set('classifier.weight', [1, h]);
    shapes.set('classifier.bias', [1]);
  }
  return shapes;
}

/**
 * Random weights: LayerNorm gains around 1, everything else uniform in [-scale, scale].
 * A scale near 1 keeps activations in the range where GELU, tanh and softmax are all non-trivial.
 */
export function randomWeights(shape: CrossEncoderShape, seed: number, scale = 0.8): WeightMap {
  const random = mulberry32(seed);
  const weights: WeightMap = new Map();
  for (const [name, dims] of weightShapes(shape)) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    const isGain = name.endsWith('LayerNorm.weight');
    for (let k = 0; k < data.length; k++) {
      const u = 2 * random() - 1;
      data[k] = isGain ? 1 + 0.3 * u : scale * u;
    }
    weights.set(name, { shape: dims, data });
  }
  return weights;
}

/** A copy whose tensors share nothing with the original. */
export function cloneWeights(weights: WeightMap): WeightMap {
  return new Map([...weights].map(([name, t]) => [name, { shape: [...t.shape], data: t.data.slice() }]));
}
