/**
 * Load-time check that the tokenizer and config fit the graph: every token id must have a row in the
 * word-embedding table, and the longest input a position in the position table. CPU and WASM fail such
 * a run with a Gather error, but WebGPU reads past the table and returns plausible scores, so a
 * mismatched model is refused before its first rank, with sizes read from the ONNX file itself.
 */
import { ModelLoadError } from './errors.js';
import { type ByteSource, findEmbeddingTables, readGraphSummary } from './onnx-shapes.js';

export type { ByteSource } from './onnx-shapes.js';

/** Opens a model file for random access, or null when it cannot be reached without a new download. */
export type ModelFileOpener = (file: string) => Promise<ByteSource | null>;

export interface FitRequirements {
  model: string;
  /** The ONNX file the session was built from, e.g. `onnx/model_quantized.onnx`. */
  onnxFile: string;
  /** Largest id the tokenizer can produce (vocabulary and added tokens). */
  maxTokenId: number;
  /** Longest row the engine will feed, special tokens included. */
  maxLength: number;
  /** Position ids start here (RoBERTa: padding index + 1), so the table needs maxLength + offset rows. */
  positionOffset: number;
}

export async function checkModelFits(open: ModelFileOpener, needs: FitRequirements): Promise<void> {
  const source = await open(needs.onnxFile);
  if (!source) return; // not reachable without a download: CPU and WASM still fail a bad id loudly
  let tables;
  try {
    tables = findEmbeddingTables(await readGraphSummary(source));
  } finally {
    await source.close?.();
  }
  if (!tables) return; // a graph layout we do not recognise: nothing to compare
  const { words, positions } = tables;
  if (needs.maxTokenId >= words.rows) {
    throw new ModelLoadError(
      'MODEL_MISMATCH',
      `Model "${needs.model}": the tokenizer produces ids up to ${needs.maxTokenId}, but the word-embedding table ${words.name} in ${needs.onnxFile} has ${words.rows} rows (tokenizer.json does not belong to this graph)`,
      { file: 'tokenizer.json' },
    );
  }
  if (positions && needs.maxLength + needs.positionOffset > positions.rows) {
    throw new ModelLoadError(
      'MODEL_MISMATCH',
      `Model "${needs.model}": config.json allows inputs of ${needs.maxLength} tokens (position ids up to ${needs.maxLength + needs.positionOffset - 1}), but the position table ${positions.name} in ${needs.onnxFile} has ${positions.rows} rows`,
      { file: 'config.json' },
    );
  }
}

/** The largest token id of a transformers.js tokenizer (its vocabulary includes added tokens). */
export function largestTokenId(tokenizer: { get_vocab(): Map<string, number> | Record<string, number> }): number {
  const vocab = tokenizer.get_vocab();
  let largest = -1;
  for (const id of vocab instanceof Map ? vocab.values() : Object.values(vocab)) if (id > largest) largest = id;
  return largest;
}

interface NodeFileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/**
 * Node: a model file on disk (a local model folder, or transformers.js's file cache for a hub id).
 * Browsers have no disk: null (the worker supplies its own opener).
 */
export function localModelFiles(modelFolderOrCachePaths: () => string[]): ModelFileOpener {
  return async (file) => {
    const path = nodeBuiltin<{ join(...parts: string[]): string }>('node:path');
    if (!path) return null;
    for (const folder of modelFolderOrCachePaths()) {
      const source = await openLocalFile(path.join(folder, file));
      if (source) return source;
    }
    return null;
  };
}

/** Node: random access to a file on disk; null when it cannot be opened (or outside Node). */
export async function openLocalFile(filePath: string): Promise<ByteSource | null> {
  const fs = nodeBuiltin<{ open(path: string): Promise<NodeFileHandle> }>('node:fs/promises');
  if (!fs) return null;
  let handle: NodeFileHandle;
  try {
    handle = await fs.open(filePath);
  } catch {
    return null;
  }
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

function nodeBuiltin<T>(id: string): T | null {
  const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof node?.getBuiltinModule === 'function' ? (node.getBuiltinModule(id) as T) : null;
}
