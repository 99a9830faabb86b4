/**
 * Streams an ONNX model to bytes one initializer at a time, so memory holds one tensor, not the model.
 *
 * A protobuf message may list its fields in any order, and the size of every tensor is known from its
 * shape before any weight is computed: the writer encodes the graph's structure with protobufjs, then
 * appends each initializer as hand-framed bytes (field tag, length, TensorProto header, raw data).
 * Models over protobuf's 2 GB limit keep their tensors in external data files (`model.onnx_data`,
 * `model.onnx_data_1`, ...), the layout onnxruntime and transformers.js load. Environment-free: the
 * caller supplies the byte sinks (files in Node, anything else elsewhere).
 */
import { DATA_TYPE, type LazyModel, type LazyTensor, onnx, tensorByteLength } from './onnx-graph.js';

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Opens a sink for a file next to the model file (`model.onnx_data`, ...). */
export type OpenSink = (fileName: string) => Promise<ByteSink>;

export interface OnnxWriteOptions {
  /** `auto` (default): external data only when one protobuf file would pass its 2 GB limit. */
  externalData?: 'auto' | 'always' | 'never';
  /** Largest external data file; a tensor never spans two files. Default 2 GB (browsers fetch each file whole). */
  maxChunkBytes?: number;
  /** Called after each initializer is written. */
  onTensor?: (written: number, total: number, name: string) => void;
}

export interface OnnxWriteResult {
  /** File name -> bytes written. */
  files: Record<string, number>;
  /** Number of external data files: what config.json's `use_external_data_format` must say. */
  externalDataFiles: number;
}

/** protobuf's hard limit for one message is 2^31 - 1 bytes; stay clear of it. */
export const PROTOBUF_LIMIT = 2_000_000_000;
/** onnxruntime's own convention: tensors under 1 KB stay inline. */
const EXTERNAL_THRESHOLD = 1024;
/** Page-aligned offsets let onnxruntime memory-map the data. */
const EXTERNAL_ALIGNMENT = 4096;

const WIRE_LENGTH_DELIMITED = 2;
const tag = (field: number) => (field << 3) | WIRE_LENGTH_DELIMITED;
const GRAPH_FIELD = 7; // ModelProto.graph
const INITIALIZER_FIELD = 5; // GraphProto.initializer
const RAW_DATA_FIELD = 9; // TensorProto.raw_data

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return Uint8Array.from(bytes);
}

/** Tag and length of a length-delimited field. */
const fieldHead = (field: number, length: number) => concat([Uint8Array.of(tag(field)), varint(length)]);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

interface Placement {
  tensor: LazyTensor;
  byteLength: number;
  /** Bytes of the TensorProto without its data (all of it when external). */
  header: Uint8Array;
  /** Index of the external data file, or -1 when the data is inline. */
  chunk: number;
  offset: number;
}

export const externalDataFileName = (modelFile: string, chunk: number) =>
  `${modelFile}_data${chunk === 0 ? '' : `_${chunk}`}`;

function plan(lazy: LazyModel, modelFile: string, external: boolean, maxChunkBytes: number): Placement[] {
  let chunk = -1;
  let chunkBytes = 0;
  return lazy.initializers.map((tensor) => {
    const byteLength = tensorByteLength(tensor);
    const base = { name: tensor.name, dataType: DATA_TYPE[tensor.type], dims: tensor.dims };
    if (!external || byteLength < EXTERNAL_THRESHOLD) {
      return { tensor, byteLength, header: onnx.TensorProto.encode(base).finish(), chunk: -1, offset: 0 };
    }
    let offset = Math.ceil(chunkBytes / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
    if (chunk < 0 || (offset + byteLength > maxChunkBytes && chunkBytes > 0)) {
      chunk++;
      offset = 0;
    }
    chunkBytes = offset + byteLength;
    const header = onnx.TensorProto.encode({
      ...base,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: externalDataFileName(modelFile, chunk) },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(byteLength) },
      ],
    }).finish();
    return { tensor, byteLength, header, chunk, offset };
  });
}

/** Size of the TensorProto message of a placement. */
const tensorSize = (p: Placement) =>
  p.chunk >= 0
    ? p.header.byteLength
    : p.header.byteLength + fieldHead(RAW_DATA_FIELD, p.byteLength).byteLength + p.byteLength;

/** Size of one `initializer` entry in the graph message, framing included. */
const entrySize = (p: Placement) => fieldHead(INITIALIZER_FIELD, tensorSize(p)).byteLength + tensorSize(p);

/** Writes `modelFile` (and its external data files, when needed) through `open`. */
export async function writeOnnxModel(
  lazy: LazyModel,
  modelFile: string,
  open: OpenSink,
  options: OnnxWriteOptions = {},
): Promise<OnnxWriteResult> {
  const { externalData = 'auto', maxChunkBytes = PROTOBUF_LIMIT, onTensor } = options;
  const graph = lazy.model.graph ?? {};
  const graphHead = onnx.GraphProto.encode(graph).finish();
  const modelHead = onnx.ModelProto.encode({ ...lazy.model, graph: null }).finish();

  const inlineTotal =
    lazy.initializers.reduce((n, t) => n + tensorByteLength(t), 0) + graphHead.byteLength + modelHead.byteLength;
  const external = externalData === 'always' || (externalData === 'auto' && inlineTotal > PROTOBUF_LIMIT);
  const placements = plan(lazy, modelFile, external, maxChunkBytes);
  const graphSize = graphHead.byteLength + placements.reduce((n, p) => n + entrySize(p), 0);
  if (graphSize > PROTOBUF_LIMIT)
    throw new RangeError(`${modelFile}: the graph is ${graphSize} bytes even with external data`);

  const chunks = placements.reduce((n, p) => Math.max(n, p.chunk + 1), 0);
  const files: Record<string, number> = {};
  const sinks = new Map<string, ByteSink>();
  const write = async (file: string, bytes: Uint8Array) => {
    let sink = sinks.get(file);
    if (!sink) {
      sink = await open(file);
      sinks.set(file, sink);
      files[file] = 0;
    }
    await sink.write(bytes);
    files[file]! += bytes.byteLength;
  };

  try {
    await write(modelFile, concat([modelHead, fieldHead(GRAPH_FIELD, graphSize), graphHead]));
    for (let c = 0; c < chunks; c++) await write(externalDataFileName(modelFile, c), new Uint8Array(0));
    for (const [index, p] of placements.entries()) {
      const data = await p.tensor.data();
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.byteLength !== p.byteLength) {
        throw new RangeError(
          `${modelFile}: tensor "${p.tensor.name}" has ${bytes.byteLength} bytes, its shape [${p.tensor.dims}] needs ${p.byteLength}`,
        );
      }
      const head = [fieldHead(INITIALIZER_FIELD, tensorSize(p)), p.header];
      if (p.chunk < 0) {
        await write(modelFile, concat([...head, fieldHead(RAW_DATA_FIELD, p.byteLength)]));
        await write(modelFile, bytes);
      } else {
        await write(modelFile, concat(head));
        const file = externalDataFileName(modelFile, p.chunk);
        const padding = p.offset - files[file]!;
        if (padding > 0) await write(file, new Uint8Array(padding));
        await write(file, bytes);
      }
      onTensor?.(index + 1, placements.length, p.tensor.name);
    }
  } finally {
    for (const sink of sinks.values()) await sink.close();
  }
  return { files, externalDataFiles: chunks };
}
