import { type CrossEncoderShape, type WeightMap, encoderPrefix } from './config.js';
import { SeededRandom } from './random.js';

/**
 * Seeded random parameters under their Hugging Face names.
 *
 * Trained transformers keep activations at unit scale, so weights are drawn with variance 1/fan_in
 * (not HF's untrained N(0, 0.02), which makes every logit nearly equal and hides numeric errors),
 * and LayerNorm gains, biases and embeddings vary a little as they do after training.
 */
export function randomWeights(shape: CrossEncoderShape, seed: number): WeightMap {
  const random = new SeededRandom(seed);
  const weights: WeightMap = new Map();
  const H = shape.hiddenSize;
  const add = (name: string, dims: number[], mean: number, std: number) => {
    const size = dims.reduce((a, b) => a * b, 1);
    weights.set(name, { shape: dims, data: random.fillNormal(new Float32Array(size), mean, std) });
  };
  const linear = (name: string, out: number, input: number) => {
    add(`${name}.weight`, [out, input], 0, 1 / Math.sqrt(input));
    add(`${name}.bias`, [out], 0, 0.02);
  };
  const layerNorm = (name: string) => {
    add(`${name}.weight`, [H], 1, 0.1);
    add(`${name}.bias`, [H], 0, 0.05);
  };

  const p = encoderPrefix(shape.architecture);
  add(`${p}.embeddings.word_embeddings.weight`, [shape.vocabSize, H], 0, 0.5);
  add(`${p}.embeddings.position_embeddings.weight`, [shape.maxPositionEmbeddings, H], 0, 0.2);
  add(`${p}.embeddings.token_type_embeddings.weight`, [shape.typeVocabSize, H], 0, 0.2);
  layerNorm(`${p}.embeddings.LayerNorm`);
  for (let i = 0; i < shape.numLayers; i++) {
    const layer = `${p}.encoder.layer.${i}`;
    for (const part of ['query', 'key', 'value']) linear(`${layer}.attention.self.${part}`, H, H);
    linear(`${layer}.attention.output.dense`, H, H);
    layerNorm(`${layer}.attention.output.LayerNorm`);
    linear(`${layer}.intermediate.dense`, shape.intermediateSize, H);
    linear(`${layer}.output.dense`, H, shape.intermediateSize);
    layerNorm(`${layer}.output.LayerNorm`);
  }
  if (shape.architecture === 'xlm-roberta') {
    linear('classifier.dense', H, H);
    linear('classifier.out_proj', 1, H);
  } else {
    linear(`${p}.pooler.dense`, H, H);
    linear('classifier', 1, H);
  }
  return weights;
}
