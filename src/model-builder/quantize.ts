/**
 * 8-bit dynamic quantization of MatMul weights, the format onnxruntime's `quantize_dynamic`
 * (IntegerOps mode) writes and transformers.js loads as dtype `q8` (`onnx/model_quantized.onnx`):
 *
 *   x -> DynamicQuantizeLinear -> (x_q, x_scale, x_zero)
 *   MatMulInteger(x_q, W_q, x_zero, W_zero) -> Cast(float) -> * (x_scale * W_scale) -> y
 *
 * Weights are uint8, asymmetric, one scale and zero point per output column (per-channel).
 */
import { type ModelProto, type NodeProto, type TensorProto, onnx, tensorProto } from './onnx-graph.js';

export interface QuantizedColumns {
  values: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array;
}

/** Quantize a row-major [rows, columns] matrix per column to uint8. */
export function quantizeColumns(weights: Float32Array, rows: number, columns: number): QuantizedColumns {
  const scales = new Float32Array(columns);
  const zeroPoints = new Uint8Array(columns);
  const values = new Uint8Array(rows * columns);
  for (let c = 0; c < columns; c++) {
    // The range must hold 0 so that zero (padding, ReLU-like outputs) is exact.
    let min = 0;
    let max = 0;
    for (let r = 0; r < rows; r++) {
      const w = weights[r * columns + c]!;
      if (w < min) min = w;
      if (w > max) max = w;
    }
    const scale = max > min ? (max - min) / 255 : 1;
    const zero = Math.min(255, Math.max(0, Math.round(-min / scale)));
    scales[c] = scale;
    zeroPoints[c] = zero;
    for (let r = 0; r < rows; r++) {
      const q = Math.round(weights[r * columns + c]! / scale) + zero;
      values[r * columns + c] = Math.min(255, Math.max(0, q));
    }
  }
  return { values, scales, zeroPoints };
}

function floatData(tensor: TensorProto): Float32Array {
  const raw = tensor.rawData!;
  // Copy: protobuf byte fields need not be 4-byte aligned.
  return new Float32Array(new Uint8Array(raw).buffer);
}

/** Returns a new model whose MatMuls with a constant 2-D float weight run on 8-bit integers. */
export function quantizeMatMulWeights(model: ModelProto): ModelProto {
  const graph = model.graph!;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const replaced = new Set<string>();
  const extraInitializers: TensorProto[] = [];
  const quantizedInputs = new Map<string, [string, string, string]>();
  const nodes: NodeProto[] = [];

  for (const node of graph.node ?? []) {
    const weight = node.opType === 'MatMul' ? initializers.get(node.input![1]!) : undefined;
    if (!weight || weight.dataType !== FLOAT || weight.dims?.length !== 2) {
      nodes.push(node);
      continue;
    }
    const [rows, columns] = weight.dims.map(Number) as [number, number];
    const name = weight.name!;
    const { values, scales, zeroPoints } = quantizeColumns(floatData(weight), rows, columns);
    extraInitializers.push(
      tensorProto(`${name}_quantized`, 'uint8', [rows, columns], values),
      tensorProto(`${name}_scale`, 'float32', [columns], scales),
      tensorProto(`${name}_zero_point`, 'uint8', [columns], zeroPoints),
    );
    replaced.add(name);

    const x = node.input![0]!;
    let xQuantized = quantizedInputs.get(x);
    if (!xQuantized) {
      // Q, K and V read the same activation: quantize it once.
      xQuantized = [`${x}_quantized`, `${x}_scale`, `${x}_zero_point`];
      quantizedInputs.set(x, xQuantized);
      nodes.push({ opType: 'DynamicQuantizeLinear', name: `${x}_DynamicQuantizeLinear`, input: [x], output: xQuantized });
    }
    const [xq, xs, xz] = xQuantized;
    const base = node.name!;
    const integer = `${base}_int32`;
    const asFloat = `${base}_float`;
    const combinedScale = `${base}_scale`;
    nodes.push(
      { opType: 'MatMulInteger', name: `${base}_MatMulInteger`, input: [xq, `${name}_quantized`, xz, `${name}_zero_point`], output: [integer] },
      { opType: 'Cast', name: `${base}_Cast`, input: [integer], output: [asFloat], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] },
      { opType: 'Mul', name: `${base}_scale_Mul`, input: [xs, `${name}_scale`], output: [combinedScale] },
      { opType: 'Mul', name: `${base}_output_Mul`, input: [asFloat, combinedScale], output: node.output! },
    );
  }

  return {
    ...model,
    graph: {
      ...graph,
      node: nodes,
      initializer: [...(graph.initializer ?? []).filter((t) => !replaced.has(t.name!)), ...extraInitializers],
    },
  };
}
