/**
 * Random access to the bytes of a file, without holding it: a Node file handle, or a Blob / File in
 * a browser or worker. A 2 GB checkpoint is read one tensor at a time through this.
 */
export interface ByteSource {
  /** The file's name, for error messages (`model.safetensors`). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes from `offset`; fewer means the file changed or is truncated. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    name,
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/** A folder of files by relative path (`model.safetensors`, `config.json`); undefined when absent. */
export interface SourceFolder {
  open(relativePath: string): Promise<ByteSource | undefined>;
  /** File names at the folder's top level, to explain what is there when something is missing. */
  list(): Promise<string[]>;
}

/** A folder from picked files (`<input type=file webkitdirectory>` or drag and drop), keyed by relative path. */
export function blobFolder(files: Map<string, Blob>): SourceFolder {
  return {
    open: async (relativePath) => {
      const blob = files.get(relativePath);
      return blob ? blobSource(blob, relativePath) : undefined;
    },
    list: async () => [...files.keys()],
  };
}

export async function readText(source: ByteSource): Promise<string> {
  return new TextDecoder().decode(await source.read(0, source.size));
}
