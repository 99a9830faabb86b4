/**
 * Writes weights as Hugging Face transformers saves a checkpoint: `model.safetensors` (or shards named
 * `model-00001-of-00003.safetensors` with `model.safetensors.index.json`), tensors in F32, F16 or
 * BF16 under their state-dict names. The converter's test inputs, built the way real ones are.
 */
import { toFloat16Array } from './float16.js';
import type { OpenFile } from './onnx-files.js';

export type CheckpointDtype = 'F32' | 'F16' | 'BF16';

export interface CheckpointTensor {
  name: string;
  shape: number[];
  /** Float values, or an int64 buffer such as `position_ids`. */
  data: Float32Array | BigInt64Array;
}

export interface SafetensorsWriteOptions {
  dtype?: CheckpointDtype;
  /** Split into shards of at most this many bytes (a tensor never spans two shards), as `max_shard_size` does. */
  maxShardBytes?: number;
}

/** float32 -> bfloat16 bits, round to nearest even (NaN stays NaN). */
export function toBfloat16Array(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    out[i] = (x & 0x7fffffff) > 0x7f800000 ? (x >>> 16) | 0x40 : (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

function encode(tensor: CheckpointTensor, dtype: CheckpointDtype): { dtype: string; bytes: Uint8Array } {
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (tensor.data instanceof BigInt64Array) return { dtype: 'I64', bytes: view(tensor.data) };
  if (dtype === 'F16') return { dtype, bytes: view(toFloat16Array(tensor.data)) };
  if (dtype === 'BF16') return { dtype, bytes: view(toBfloat16Array(tensor.data)) };
  return { dtype, bytes: view(tensor.data) };
}

const bytesOf = (tensor: CheckpointTensor, dtype: CheckpointDtype) =>
  tensor.data.length * (tensor.data instanceof BigInt64Array ? 8 : dtype === 'F32' ? 4 : 2);

async function writeShard(
  open: OpenFile,
  file: string,
  tensors: CheckpointTensor[],
  dtype: CheckpointDtype,
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const tensor of tensors) {
    const size = bytesOf(tensor, dtype);
    header[tensor.name] = {
      dtype: tensor.data instanceof BigInt64Array ? 'I64' : dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  const sink = await open(file);
  try {
    await sink.write(prefix);
    await sink.write(jsonBytes);
    for (const tensor of tensors) await sink.write(encode(tensor, dtype).bytes);
  } finally {
    await sink.close();
  }
}

/** Returns the files written (relative names). */
export async function writeSafetensors(
  tensors: CheckpointTensor[],
  open: OpenFile,
  options: SafetensorsWriteOptions = {},
): Promise<string[]> {
  const dtype = options.dtype ?? 'F32';
  if (!options.maxShardBytes) {
    await writeShard(open, 'model.safetensors', tensors, dtype);
    return ['model.safetensors'];
  }
  const shards: CheckpointTensor[][] = [[]];
  let size = 0;
  for (const tensor of tensors) {
    const bytes = bytesOf(tensor, dtype);
    if (size > 0 && size + bytes > options.maxShardBytes) {
      shards.push([]);
      size = 0;
    }
    shards.at(-1)!.push(tensor);
    size += bytes;
  }
  const name = (i: number) =>
    `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    await writeShard(open, name(i), shard, dtype);
    for (const tensor of shard) weightMap[tensor.name] = name(i);
  }
  const totalSize = tensors.reduce((n, t) => n + bytesOf(t, dtype), 0);
  const index = new TextEncoder().encode(
    `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`,
  );
  const sink = await open('model.safetensors.index.json');
  await sink.write(index);
  await sink.close();
  return [...shards.map((_, i) => name(i)), 'model.safetensors.index.json'];
}
