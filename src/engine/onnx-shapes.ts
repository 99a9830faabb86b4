/**
 * Reads the embedding tables' shapes out of an ONNX file without loading its weights.
 *
 * config.json can disagree with the graph it ships with, and on WebGPU an out-of-range Gather returns
 * plausible numbers instead of failing, so the sizes that matter are taken from the graph itself. Only
 * the protobuf framing is walked: tensor payloads (`raw_data`) are skipped by offset, so a 500 MB file
 * costs a few small reads from a random-access source (a Blob, a file, or HTTP Range requests).
 */

/** Random access to a file's bytes. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases what the source holds (a file handle). */
  close?(): Promise<void>;
}

export interface GraphSummary {
  nodes: Array<{ opType: string; inputs: string[]; outputs: string[] }>;
  /** Initializer name -> dims. */
  initializers: Map<string, number[]>;
  /** External data file (its `location`, relative to the graph) -> the end of the last byte placed in it. */
  externalDataEnds: Map<string, number>;
}

interface TensorHeader {
  name: string;
  dims: number[];
  /** Where the payload lives when it is external (`external_data` entries location, offset, length). */
  external?: { location: string; end: number };
}

/** Buffered reader over a ByteSource: small fields come from one chunk, skips cost nothing. */
class Reader {
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  constructor(
    private readonly source: ByteSource,
    public position: number,
  ) {}

  private async ensure(length: number): Promise<void> {
    const end = this.position + length;
    if (end > this.source.size) throw new Error(`ONNX file is truncated (needs byte ${end}, has ${this.source.size})`);
    if (this.position >= this.chunkStart && end <= this.chunkStart + this.chunk.length) return;
    this.chunkStart = this.position;
    this.chunk = await this.source.read(
      this.position,
      Math.min(Math.max(length, 64 * 1024), this.source.size - this.position),
    );
  }

  async byte(): Promise<number> {
    await this.ensure(1);
    return this.chunk[this.position++ - this.chunkStart]!;
  }

  /** Varints as numbers: exact up to 2^53, plenty for dims, lengths and offsets. */
  async varint(): Promise<number> {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = await this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      if (scale > 2 ** 56) throw new Error('ONNX file has a malformed varint');
    }
  }

  async bytes(length: number): Promise<Uint8Array> {
    await this.ensure(length);
    const start = this.position - this.chunkStart;
    this.position += length;
    return this.chunk.subarray(start, start + length);
  }

  /** Reads a length prefix and returns where that many bytes end (the varint must be read first). */
  async lengthEnd(): Promise<number> {
    const length = await this.varint();
    return this.position + length;
  }

  private async skipBytes(): Promise<void> {
    this.position = await this.lengthEnd();
  }

  async skip(wireType: number): Promise<void> {
    if (wireType === 0) await this.varint();
    else if (wireType === 1) this.position += 8;
    else if (wireType === 2) await this.skipBytes();
    else if (wireType === 5) this.position += 4;
    else throw new Error(`ONNX file has an unsupported protobuf wire type ${wireType}`);
  }
}

const text = new TextDecoder();

/** Calls `onField(field, wireType)` for each field in [reader.position, end); it must consume or skip. */
async function fields(
  reader: Reader,
  end: number,
  onField: (field: number, wireType: number) => Promise<boolean>,
): Promise<void> {
  while (reader.position < end) {
    const key = await reader.varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (!(await onField(field, wireType))) await reader.skip(wireType);
  }
  if (reader.position !== end) throw new Error('ONNX file has a field that overruns its message');
}

async function readTensorHeader(reader: Reader, end: number): Promise<TensorHeader> {
  const dims: number[] = [];
  let name = '';
  const external = new Map<string, string>();
  await fields(reader, end, async (field, wireType) => {
    if (field === 1 && wireType === 0) dims.push(await reader.varint());
    else if (field === 1 && wireType === 2) {
      const packedEnd = await reader.lengthEnd();
      while (reader.position < packedEnd) dims.push(await reader.varint());
    } else if (field === 8 && wireType === 2) name = text.decode(await reader.bytes(await reader.varint()));
    else if (field === 13 && wireType === 2) {
      // external_data: StringStringEntryProto { key = 1; value = 2 }
      const entry = { key: '', value: '' };
      await fields(reader, await reader.lengthEnd(), async (entryField, entryWire) => {
        if (entryWire !== 2 || (entryField !== 1 && entryField !== 2)) return false;
        entry[entryField === 1 ? 'key' : 'value'] = text.decode(await reader.bytes(await reader.varint()));
        return true;
      });
      external.set(entry.key, entry.value);
    } else return false; // raw_data and typed data: skipped by length
    return true;
  });
  const location = external.get('location');
  const offset = Number(external.get('offset') ?? 0);
  const length = Number(external.get('length'));
  // Without a length the payload runs to the end of the file: nothing to check against.
  if (location === undefined || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return { name, dims };
  return { name, dims, external: { location, end: offset + length } };
}

async function readNode(reader: Reader, end: number): Promise<GraphSummary['nodes'][number]> {
  const node = { opType: '', inputs: [] as string[], outputs: [] as string[] };
  await fields(reader, end, async (field, wireType) => {
    if (wireType !== 2 || (field !== 1 && field !== 2 && field !== 4)) return false; // attributes are skipped
    const value = text.decode(await reader.bytes(await reader.varint()));
    if (field === 1) node.inputs.push(value);
    else if (field === 2) node.outputs.push(value);
    else node.opType = value;
    return true;
  });
  return node;
}

/** The graph's nodes and initializer shapes (ModelProto.graph = field 7; GraphProto node = 1, initializer = 5). */
export async function readGraphSummary(source: ByteSource): Promise<GraphSummary> {
  const reader = new Reader(source, 0);
  const summary: GraphSummary = { nodes: [], initializers: new Map(), externalDataEnds: new Map() };
  let sawGraph = false;
  await fields(reader, source.size, async (field, wireType) => {
    if (field !== 7 || wireType !== 2) return false;
    sawGraph = true;
    const graphEnd = await reader.lengthEnd();
    await fields(reader, graphEnd, async (graphField, graphWire) => {
      if (graphWire !== 2 || (graphField !== 1 && graphField !== 5)) return false;
      const end = await reader.lengthEnd();
      if (graphField === 1) summary.nodes.push(await readNode(reader, end));
      else {
        const tensor = await readTensorHeader(reader, end);
        summary.initializers.set(tensor.name, tensor.dims);
        if (tensor.external) {
          const { location, end: dataEnd } = tensor.external;
          summary.externalDataEnds.set(location, Math.max(summary.externalDataEnds.get(location) ?? 0, dataEnd));
        }
      }
      return true;
    });
    return true;
  });
  if (!sawGraph) throw new Error('ONNX file has no graph');
  return summary;
}

export interface EmbeddingTable {
  name: string;
  rows: number;
}

export interface EmbeddingTables {
  /** Gathered by `input_ids`: the largest id the model takes is rows - 1. */
  words: EmbeddingTable;
  /** Gathered by position ids; undefined if the graph has none we recognise. */
  positions?: EmbeddingTable;
}

/** Ops that pass a table through unchanged in shape (fp16 casts, dequantized 8-bit tables). */
const PASS_THROUGH = new Set(['Cast', 'DequantizeLinear', 'Identity']);

/** Finds the word and position embedding tables: Gather(table, input_ids) or a fused EmbedLayerNormalization. */
export function findEmbeddingTables(graph: GraphSummary): EmbeddingTables | null {
  const producer = new Map<string, GraphSummary['nodes'][number]>();
  for (const node of graph.nodes) for (const output of node.outputs) producer.set(output, node);
  const table = (name: string | undefined, depth = 0): { name: string; dims: number[] } | null => {
    if (name === undefined || depth > 4) return null;
    const dims = graph.initializers.get(name);
    if (dims) return { name, dims };
    const node = producer.get(name);
    return node && PASS_THROUGH.has(node.opType) ? table(node.inputs[0], depth + 1) : null;
  };
  const asTable = (found: { name: string; dims: number[] } | null): EmbeddingTable | undefined =>
    found && found.dims.length === 2 ? { name: found.name, rows: found.dims[0]! } : undefined;

  const fused = graph.nodes.find((n) => n.opType === 'EmbedLayerNormalization' && n.inputs[0] === 'input_ids');
  if (fused) {
    const words = asTable(table(fused.inputs[2]));
    return words ? { words, positions: asTable(table(fused.inputs[3])) } : null;
  }
  const gathers = graph.nodes.filter((n) => n.opType === 'Gather');
  const wordGather = gathers.find((n) => n.inputs[1] === 'input_ids');
  const wordFound = table(wordGather?.inputs[0]);
  const words = asTable(wordFound);
  if (!words || !wordFound) return null;
  // The position table: named so by every Hugging Face export; otherwise the largest other 2-D table of
  // the same width that is not indexed by token_type_ids (token-type tables have 1 or 2 rows).
  const candidates = gathers
    .filter((n) => n !== wordGather && n.inputs[1] !== 'token_type_ids')
    .map((n) => table(n.inputs[0]))
    .filter(
      (t): t is { name: string; dims: number[] } =>
        t !== null && t.dims.length === 2 && t.dims[1] === wordFound.dims[1] && t.name !== wordFound.name,
    );
  const named = candidates.find((t) => /position_embeddings/.test(t.name));
  const largest = candidates.filter((t) => t.dims[0]! > 2).sort((a, b) => b.dims[0]! - a.dims[0]!)[0];
  return { words, positions: asTable(named ?? largest ?? null) };
}
