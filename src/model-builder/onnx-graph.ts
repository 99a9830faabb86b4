/**
 * A small typed layer over the ONNX protobuf messages (from `onnx-proto`): named values, nodes,
 * initializers, and serialisation. Knows nothing about transformers.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type ModelProto = onnxProto.onnx.IModelProto;

type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool';

export const DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

export const BYTES_PER_ELEMENT: Record<ElementType, number> = {
  float32: 4,
  float16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  int8: 1,
  bool: 1,
};

export type TensorData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

/**
 * An initializer whose bytes are produced only when the file is written, so a model larger than
 * memory (or than protobuf's 2 GB message limit) streams out one tensor at a time.
 */
export interface LazyTensor {
  name: string;
  type: ElementType;
  dims: number[];
  data: () => TensorData | Promise<TensorData>;
}

/** A model whose graph holds no initializers yet: they follow, in order, as lazy tensors. */
export interface LazyModel {
  model: ModelProto;
  initializers: LazyTensor[];
}

export function tensorByteLength(tensor: Pick<LazyTensor, 'type' | 'dims'>): number {
  return tensor.dims.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[tensor.type];
}

export type Attribute =
  { kind: 'int'; value: number } | { kind: 'float'; value: number } | { kind: 'ints'; value: number[] };

export const intAttr = (value: number): Attribute => ({ kind: 'int', value });
export const floatAttr = (value: number): Attribute => ({ kind: 'float', value });
export const intsAttr = (value: number[]): Attribute => ({ kind: 'ints', value });

function toAttributeProto(name: string, attribute: Attribute): AttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  switch (attribute.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: attribute.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: attribute.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: attribute.value };
  }
}

/** Dimensions are numbers, or names for dynamic axes such as `batch_size`. */
export type Dims = Array<number | string>;

function valueInfo(name: string, type: ElementType, dims: Dims): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function tensorProto(name: string, type: ElementType, dims: number[], data: TensorData): TensorProto {
  // Raw little-endian bytes, as every ONNX exporter writes them.
  return {
    name,
    dataType: DATA_TYPE[type],
    dims,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: LazyTensor[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Map<string, number>();

  /** A value name not used yet, readable in a graph viewer. */
  fresh(hint: string): string {
    const count = this.names.get(hint) ?? 0;
    this.names.set(hint, count + 1);
    return count === 0 ? hint : `${hint}_${count}`;
  }

  input(name: string, type: ElementType, dims: Dims): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: Dims): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** `data` may be a function, called when the file is written. */
  initializer(
    name: string,
    type: ElementType,
    dims: number[],
    data: TensorData | (() => TensorData | Promise<TensorData>),
  ): string {
    this.initializers.push({ name, type, dims, data: typeof data === 'function' ? data : () => data });
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, outputName?: string): string {
    const output = outputName ?? this.fresh(`${opType}_out`);
    this.opMulti(opType, inputs, [output], attributes);
    return output;
  }

  opMulti(opType: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): string[] {
    this.nodes.push({
      opType,
      name: this.fresh(`${opType}_node`),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => toAttributeProto(name, value)),
    });
    return outputs;
  }

  toModel(graphName: string, opset: number): LazyModel {
    return {
      model: {
        irVersion: 8,
        producerName: 'ko-rerank-web model-builder',
        producerVersion: '1',
        opsetImport: [{ domain: '', version: opset }],
        graph: { name: graphName, node: this.nodes, input: this.inputs, output: this.outputs },
      },
      initializers: this.initializers,
    };
  }
}

/** Computes every lazy initializer into one in-memory ModelProto (small models, tests). */
export async function materializeModel({ model, initializers }: LazyModel): Promise<ModelProto> {
  const tensors: TensorProto[] = [];
  for (const tensor of initializers)
    tensors.push(tensorProto(tensor.name, tensor.type, tensor.dims, await tensor.data()));
  return { ...model, graph: { ...model.graph, initializer: [...(model.graph!.initializer ?? []), ...tensors] } };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
