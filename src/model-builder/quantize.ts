/**
 * 8-bit dynamic quantization of a cross-encoder graph: int8 weights, 8-bit activations computed at
 * run time, integer matrix products.
 *
 *   MatMul with a constant weight, activations per row (`activations: 'per-row'`):
 *     s = max(|x|, last axis) / 127, one scale per token
 *     x_q = uint8(round(x / s) + 128)
 *     MatMulInteger(x_q, W_q int8, 128) -> Cast(float) -> * W_scale -> * s -> y
 *   MatMul with a constant weight, activations per tensor (the default, as published q8 exports from
 *   onnxruntime `quantize_dynamic` are laid out):
 *     x -> DynamicQuantizeLinear -> (x_q uint8, x_scale, x_zero)
 *     MatMulInteger(x_q, W_q int8, x_zero) -> Cast(float) -> * (x_scale * W_scale) -> y
 *   The word-embedding Gather:
 *     Gather(E_q int8, ids) -> Cast(float) -> * Gather(E_scale, ids) -> embeddings
 *
 * Weights are int8 and symmetric (zero point 0), one scale per output column; activations are uint8.
 * int8 weights let onnxruntime use the CPU's signed x unsigned dot-product instructions (uint8
 * weights measured 1.45-1.56x slower natively, the same on WASM). The embedding table, the largest
 * tensor of a multilingual model (250,002 x 1,024), is int8 with one scale per row (per token): a
 * quarter of its fp32 size, and finer than one scale for the whole table.
 *
 * Per-row activations: with one scale per tensor the largest value anywhere in the run sets every
 * token's resolution, so a row's logit depends on its batch neighbours and padding (up to 0.03-0.05
 * measured); per-row scales make it independent of them. Their fidelity against fp32 is no better
 * overall (bench/q8-depth.ts: better on some generated models, worse on others), so the default stays
 * the published layout. A symmetric per-row scale with the fixed zero point 128 keeps MatMulInteger's
 * scalar A zero point (onnxruntime's CPU kernel takes no other) and its fast uint8 x int8 path.
 */
import { type LazyModel, type LazyTensor, type NodeProto, type TensorData, onnx } from './onnx-graph.js';

export interface QuantizedColumns {
  values: Int8Array;
  scales: Float32Array;
}

/** Symmetric int8 scale for values whose largest magnitude is `maxAbs`; zero maps to zero exactly. */
const symmetricScale = (maxAbs: number) => (maxAbs > 0 ? maxAbs / 127 : 1);
const toInt8 = (value: number, scale: number) => Math.max(-127, Math.min(127, Math.round(value / scale)));

/** Quantize a row-major [rows, columns] matrix per column to symmetric int8. */
export function quantizeColumns(weights: Float32Array, rows: number, columns: number): QuantizedColumns {
  const maxAbs = new Float32Array(columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(weights[r * columns + c]!));
  }
  const scales = Float32Array.from(maxAbs, symmetricScale);
  const values = new Int8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) values[r * columns + c] = toInt8(weights[r * columns + c]!, scales[c]!);
  }
  return { values, scales };
}

/** Quantize a row-major [rows, columns] table per row to symmetric int8 (an embedding, one scale per token). */
export function quantizeRows(table: Float32Array, rows: number, columns: number): QuantizedColumns {
  const scales = new Float32Array(rows);
  const values = new Int8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let c = 0; c < columns; c++) maxAbs = Math.max(maxAbs, Math.abs(table[r * columns + c]!));
    const scale = (scales[r] = symmetricScale(maxAbs));
    for (let c = 0; c < columns; c++) values[r * columns + c] = toInt8(table[r * columns + c]!, Math.fround(scale));
  }
  return { values, scales };
}

/**
 * One computation feeding several tensors (values, then scales): computed on the first read, and
 * dropped after the last, so a quantized matrix is held only while its tensors are written.
 */
export function shared<T>(compute: () => Promise<T>, reads: number): () => Promise<T> {
  let pending: Promise<T> | null = null;
  let left = reads;
  return () => {
    pending ??= compute();
    const result = pending;
    if (--left === 0) pending = null;
    return result;
  };
}

const { FLOAT, UINT8 } = onnx.TensorProto.DataType;
const { INT, INTS } = onnx.AttributeProto.AttributeType;
const cast = (to: number, name: string, input: string, output: string): NodeProto => ({
  opType: 'Cast',
  name,
  input: [input],
  output: [output],
  attribute: [{ name: 'to', type: INT, i: to }],
});
const castToFloat = (name: string, input: string, output: string) => cast(FLOAT, name, input, output);

/** Names of a quantized activation: uint8 values, scale (per tensor or per row), zero point. */
interface QuantizedActivation {
  values: string;
  scale: string;
  zeroPoint: string;
}

/** The per-tensor layout: onnxruntime's own op picks an asymmetric uint8 scale and zero point for the whole tensor. */
function quantizePerTensor(x: string, nodes: NodeProto[]): QuantizedActivation {
  const [values, scale, zeroPoint] = [`${x}_quantized`, `${x}_scale`, `${x}_zero_point`];
  nodes.push({
    opType: 'DynamicQuantizeLinear',
    name: `${x}_DynamicQuantizeLinear`,
    input: [x],
    output: [values, scale, zeroPoint],
  });
  return { values, scale, zeroPoint };
}

/** Constants shared by every per-row quantization in the graph. */
const ROW_CONSTANTS: LazyTensor[] = [
  { name: 'activation_int8_range', type: 'float32', dims: [], data: () => Float32Array.of(127) },
  // A row of zeros keeps a positive scale (its values quantize to 0 instead of 0/0).
  { name: 'activation_smallest_scale', type: 'float32', dims: [], data: () => Float32Array.of(1e-30) },
  { name: 'activation_zero_point_f', type: 'float32', dims: [], data: () => Float32Array.of(128) },
  { name: 'activation_zero_point', type: 'uint8', dims: [], data: () => Uint8Array.of(128) },
];
const lastAxis = [
  { name: 'axes', type: INTS, ints: [-1] },
  { name: 'keepdims', type: INT, i: 1 },
];

/**
 * Symmetric uint8 with one scale per row (the last axis): |x| <= max|x| = 127 s, so round(x / s) + 128
 * stays in 1..255 without a Clip.
 */
function quantizePerRow(x: string, nodes: NodeProto[]): QuantizedActivation {
  const [range, smallest, zeroF, zero] = ROW_CONSTANTS.map((t) => t.name) as [string, string, string, string];
  const n = (suffix: string) => `${x}_${suffix}`;
  nodes.push(
    { opType: 'Abs', name: n('Abs'), input: [x], output: [n('abs')] },
    { opType: 'ReduceMax', name: n('ReduceMax'), input: [n('abs')], output: [n('row_max')], attribute: lastAxis },
    { opType: 'Div', name: n('scale_Div'), input: [n('row_max'), range], output: [n('row_scale_raw')] },
    { opType: 'Max', name: n('scale_Max'), input: [n('row_scale_raw'), smallest], output: [n('row_scale')] },
    { opType: 'Div', name: n('Div'), input: [x, n('row_scale')], output: [n('scaled')] },
    { opType: 'Round', name: n('Round'), input: [n('scaled')], output: [n('rounded')] },
    { opType: 'Add', name: n('zero_point_Add'), input: [n('rounded'), zeroF], output: [n('shifted')] },
    cast(UINT8, n('Cast'), n('shifted'), n('quantized')),
  );
  return { values: n('quantized'), scale: n('row_scale'), zeroPoint: zero };
}

const floatMatrix = async (tensor: LazyTensor): Promise<Float32Array> => (await tensor.data()) as Float32Array;

/**
 * Returns a new model whose MatMuls with a constant 2-D float weight run on 8-bit integers and whose
 * word-embedding Gather reads an int8 table. Nothing is computed until the model is written.
 */
export interface QuantizeOptions {
  /** Weights to keep in float (by initializer name), e.g. the classifier head. */
  keepFloat?: (weightName: string) => boolean;
  /** Quantize the word-embedding table (default true). */
  embeddings?: boolean;
  /**
   * Activation scales: `per-tensor` (default), one per tensor and model run, as published q8 exports;
   * `per-row`, one per token, so a row's logits do not depend on the rows sharing its run.
   */
  activations?: 'per-row' | 'per-tensor';
}

export function quantizeModel({ model, initializers }: LazyModel, options: QuantizeOptions = {}): LazyModel {
  const graph = model.graph!;
  const byName = new Map(initializers.map((t) => [t.name, t]));
  const replaced = new Set<string>();
  const extra: LazyTensor[] = [];
  const quantizedInputs = new Map<string, QuantizedActivation>();
  const perRow = options.activations === 'per-row';
  const nodes: NodeProto[] = [];
  const isFloatMatrix = (t: LazyTensor | undefined): t is LazyTensor =>
    t !== undefined && t.type === 'float32' && t.dims.length === 2;

  const quantizeTensor = (weight: LazyTensor, byRow: boolean) => {
    const [rows, columns] = weight.dims as [number, number];
    const result = shared(
      async () => (byRow ? quantizeRows : quantizeColumns)(await floatMatrix(weight), rows, columns),
      2,
    );
    const values = `${weight.name}_quantized`;
    const scales = `${weight.name}_scale`;
    extra.push(
      {
        name: values,
        type: 'int8',
        dims: [rows, columns],
        data: async (): Promise<TensorData> => (await result()).values,
      },
      {
        name: scales,
        type: 'float32',
        dims: [byRow ? rows : columns],
        data: async (): Promise<TensorData> => (await result()).scales,
      },
    );
    replaced.add(weight.name);
    return { values, scales };
  };

  for (const node of graph.node ?? []) {
    const base = node.name!;
    const table = node.opType === 'Gather' ? byName.get(node.input![0]!) : undefined;
    if (isFloatMatrix(table) && table.name.endsWith('word_embeddings.weight') && options.embeddings !== false) {
      const { values, scales } = quantizeTensor(table, true);
      const ids = node.input![1]!;
      nodes.push(
        { opType: 'Gather', name: `${base}_quantized`, input: [values, ids], output: [`${base}_int8`] },
        castToFloat(`${base}_Cast`, `${base}_int8`, `${base}_float`),
        { opType: 'Gather', name: `${base}_scale_Gather`, input: [scales, ids], output: [`${base}_row_scale`] },
        {
          opType: 'Unsqueeze',
          name: `${base}_scale_Unsqueeze`,
          input: [`${base}_row_scale`, `${base}_last_axis`],
          output: [`${base}_row_scale_column`],
        },
        {
          opType: 'Mul',
          name: `${base}_dequantize`,
          input: [`${base}_float`, `${base}_row_scale_column`],
          output: node.output!,
        },
      );
      extra.push({ name: `${base}_last_axis`, type: 'int64', dims: [1], data: () => BigInt64Array.of(-1n) });
      continue;
    }

    const weight = node.opType === 'MatMul' ? byName.get(node.input![1]!) : undefined;
    if (!isFloatMatrix(weight) || options.keepFloat?.(weight.name)) {
      nodes.push(node);
      continue;
    }
    const { values, scales } = quantizeTensor(weight, false);
    const x = node.input![0]!;
    let xQuantized = quantizedInputs.get(x);
    if (!xQuantized) {
      // Q, K and V read the same activation: quantize it once.
      xQuantized = perRow ? quantizePerRow(x, nodes) : quantizePerTensor(x, nodes);
      quantizedInputs.set(x, xQuantized);
    }
    const { values: xq, scale: xs, zeroPoint: xz } = xQuantized;
    nodes.push(
      // No weight zero point: symmetric int8 weights have zero point 0, the input's default.
      { opType: 'MatMulInteger', name: `${base}_MatMulInteger`, input: [xq, values, xz], output: [`${base}_int32`] },
      castToFloat(`${base}_Cast`, `${base}_int32`, `${base}_float`),
    );
    if (perRow) {
      // Column scales, then the row scales ([..., 1] broadcasts along the columns).
      nodes.push(
        {
          opType: 'Mul',
          name: `${base}_column_scale_Mul`,
          input: [`${base}_float`, scales],
          output: [`${base}_columns_scaled`],
        },
        { opType: 'Mul', name: `${base}_row_scale_Mul`, input: [`${base}_columns_scaled`, xs], output: node.output! },
      );
    } else {
      nodes.push(
        { opType: 'Mul', name: `${base}_scale_Mul`, input: [xs, scales], output: [`${base}_scale`] },
        { opType: 'Mul', name: `${base}_output_Mul`, input: [`${base}_float`, `${base}_scale`], output: node.output! },
      );
    }
  }
  if (perRow && quantizedInputs.size > 0) extra.push(...ROW_CONSTANTS);

  return {
    model: { ...model, graph: { ...graph, node: nodes } },
    initializers: [...initializers.filter((t) => !replaced.has(t.name)), ...extra],
  };
}
