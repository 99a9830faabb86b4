/**
 * Float64 kernels for the reference forward pass: flat row-major buffers and plain loops.
 *
 * Weights stay in their Float32Array: reading an element yields the exact float32 value as a JS
 * number (a double), so every product and sum below is carried out in float64 without copying.
 */

/** Read-only numeric buffer: float32 weights or float64 activations. */
export type NumericArray = Float32Array | Float64Array;

/**
 * nn.Linear: y[r, o] = sum_k x[r, k] * weight[o, k] + bias[o], with x [rows, inFeatures] and
 * weight [outFeatures, inFeatures] (PyTorch layout, so both inner reads are contiguous).
 */
export function linear(
  x: Float64Array,
  rows: number,
  inFeatures: number,
  weight: NumericArray,
  bias: NumericArray,
  outFeatures: number,
): Float64Array {
  const y = new Float64Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    const xOffset = r * inFeatures;
    const yOffset = r * outFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wOffset = o * inFeatures;
      let acc = 0;
      for (let k = 0; k < inFeatures; k++) acc += x[xOffset + k]! * weight[wOffset + k]!;
      y[yOffset + o] = acc + bias[o]!;
    }
  }
  return y;
}

/**
 * nn.LayerNorm over the last dimension, in place: (x - mean) / sqrt(var + eps) * gamma + beta,
 * with the biased variance (divide by width), as PyTorch computes it.
 */
export function layerNormInPlace(
  x: Float64Array,
  rows: number,
  width: number,
  gamma: NumericArray,
  beta: NumericArray,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    let mean = 0;
    for (let k = 0; k < width; k++) mean += x[offset + k]!;
    mean /= width;
    // Two-pass variance: exact enough in float64 and free of the E[x^2] - mean^2 cancellation.
    let variance = 0;
    for (let k = 0; k < width; k++) {
      const d = x[offset + k]! - mean;
      variance += d * d;
    }
    variance /= width;
    const inverseStd = 1 / Math.sqrt(variance + eps);
    for (let k = 0; k < width; k++) {
      x[offset + k] = (x[offset + k]! - mean) * inverseStd * gamma[k]! + beta[k]!;
    }
  }
}

/** a[i] += b[i] (residual connection). */
export function addInPlace(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}

/** Numerically stable softmax of values[offset .. offset + length), in place. */
export function softmaxInPlace(values: Float64Array, offset: number, length: number): void {
  let max = -Infinity;
  for (let j = 0; j < length; j++) max = Math.max(max, values[offset + j]!);
  let sum = 0;
  for (let j = 0; j < length; j++) {
    const e = Math.exp(values[offset + j]! - max);
    values[offset + j] = e;
    sum += e;
  }
  for (let j = 0; j < length; j++) values[offset + j] = values[offset + j]! / sum;
}
