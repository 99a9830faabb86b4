/** A local checkpoint folder as a SourceFolder: files read by range through Node file handles. */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ByteSource, SourceFolder } from './byte-source.js';

export async function fileSource(file: string, name = path.basename(file)): Promise<ByteSource> {
  const handle = await open(file, 'r');
  const { size } = await handle.stat();
  return {
    name,
    size,
    read: async (offset, length) => {
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break; // end of file: the caller sees a short read
        filled += bytesRead;
      }
      return filled === length ? buffer : buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}

export function nodeSourceFolder(folder: string): SourceFolder {
  return {
    open: async (relativePath) => {
      const file = path.join(folder, relativePath);
      const info = await stat(file).catch(() => null);
      return info?.isFile() ? fileSource(file, relativePath) : undefined;
    },
    list: () => readdir(folder),
  };
}
