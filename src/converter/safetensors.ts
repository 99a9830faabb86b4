/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`, then the
 * tensor bytes, offsets relative to the end of the header. Every entry is checked before any tensor
 * is read, so a damaged file fails with its name and the tensor at fault.
 */
import { fromFloat16Bits } from '../model-builder/float16.js';
import type { ByteSource } from './byte-source.js';
import { ConversionError } from './errors.js';

const BYTES_PER_ELEMENT = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
export type SafetensorsDtype = keyof typeof BYTES_PER_ELEMENT;
/** The float dtypes we convert; integer buffers (`position_ids`) are listed but never read. */
const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16']);
export const isFloatDtype = (dtype: SafetensorsDtype) => FLOAT_DTYPES.has(dtype);

/** The safetensors reference implementation refuses headers over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  source: ByteSource;
  tensors: Map<string, TensorEntry>;
}

export async function openSafetensors(source: ByteSource): Promise<SafetensorsFile> {
  const corrupt = (why: string, tensor?: string) =>
    new ConversionError('CHECKPOINT_CORRUPT', `${source.name}: ${why}`, { file: source.name, tensor });
  if (source.size < 8) throw corrupt(`${source.size} bytes is too short for a safetensors file`);
  const headerLength = Number(new DataView((await source.read(0, 8)).buffer).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > source.size) {
    throw corrupt(
      `header length ${headerLength} does not fit in a file of ${source.size} bytes (not safetensors, or truncated)`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength)));
  } catch (error) {
    throw corrupt(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw corrupt('the header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = source.size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry?.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES_PER_ELEMENT, dtype))
      throw corrupt(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, name);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw corrupt(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`, name);
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[1] < offsets[0]
    ) {
      throw corrupt(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`, name);
    }
    const [begin, end] = offsets as [number, number];
    const expected = shape.reduce((a: number, b: number) => a * b, 1) * BYTES_PER_ELEMENT[dtype as SafetensorsDtype];
    if (end - begin !== expected)
      throw corrupt(`tensor "${name}" spans ${end - begin} bytes but ${dtype} [${shape}] needs ${expected}`, name);
    if (end > dataLength) {
      throw corrupt(
        `tensor "${name}" ends at byte ${end} of the data but the file holds ${dataLength} (truncated download?)`,
        name,
      );
    }
    tensors.set(name, {
      name,
      dtype: dtype as SafetensorsDtype,
      shape,
      begin: dataStart + begin,
      end: dataStart + end,
    });
  }
  const ordered = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.begin < ordered[i - 1]!.end)
      throw corrupt(`tensors "${ordered[i - 1]!.name}" and "${ordered[i]!.name}" overlap`, ordered[i]!.name);
  }
  return { source, tensors };
}

/** float16 bits -> float32, by table: a 250,002 x 1,024 embedding is 256 M lookups. */
let halfTable: Float32Array | null = null;
function halfToFloat(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = fromFloat16Bits(bits);
  }
  return halfTable;
}

/** Reads a float tensor (F32, F16 or BF16) as float32, little-endian as the format requires. */
export async function readFloatTensor(file: SafetensorsFile, entry: TensorEntry): Promise<Float32Array> {
  if (!isFloatDtype(entry.dtype)) {
    throw new ConversionError(
      'UNSUPPORTED_CHECKPOINT',
      `${file.source.name}: tensor "${entry.name}" is ${entry.dtype}; weights must be F32, F16 or BF16`,
      { file: file.source.name, tensor: entry.name },
    );
  }
  const bytes = await file.source.read(entry.begin, entry.end - entry.begin);
  if (bytes.byteLength !== entry.end - entry.begin) {
    throw new ConversionError(
      'CHECKPOINT_CORRUPT',
      `${file.source.name}: tensor "${entry.name}" could not be read whole (file truncated?)`,
      { file: file.source.name, tensor: entry.name },
    );
  }
  // Copy into aligned memory: a tensor may start at any byte offset.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  if (entry.dtype === 'F32') return new Float32Array(aligned.buffer);
  const halves = new Uint16Array(aligned.buffer);
  const out = new Float32Array(halves.length);
  if (entry.dtype === 'F16') {
    const table = halfToFloat();
    for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]!]!;
  } else {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
  }
  return out;
}
