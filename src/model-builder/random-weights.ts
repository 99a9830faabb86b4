import type { CrossEncoderShape, WeightMap } from './config.js';
import { SeededRandom } from './random.js';
import { expectedWeights } from './weight-names.js';

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
  for (const [name, dims] of expectedWeights(shape)) {
    const [mean, std] = distribution(name, dims);
    const data = random.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1)), mean, std);
    weights.set(name, { shape: dims, data });
  }
  return weights;
}

/** [mean, standard deviation] of a parameter, by its role. */
function distribution(name: string, dims: number[]): [number, number] {
  if (name.endsWith('word_embeddings.weight')) return [0, 0.5];
  if (/(position|token_type)_embeddings\.weight$/.test(name)) return [0, 0.2];
  if (name.includes('LayerNorm')) return name.endsWith('.weight') ? [1, 0.1] : [0, 0.05];
  if (name.endsWith('.bias')) return [0, 0.02];
  return [0, 1 / Math.sqrt(dims[1]!)]; // Linear [out, in]
}
