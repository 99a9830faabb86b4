/** Byte sinks on Node files, for the environment-free ONNX writer. */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { OpenFile } from './onnx-files.js';

/** Opens `relativePath` under `folder` for writing (parent folders created, file truncated). */
export function nodeFileOpener(folder: string): OpenFile {
  return async (relativePath) => {
    const target = path.join(folder, relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    const handle = await open(target, 'w');
    return {
      write: async (bytes) => {
        // FileHandle.write may write less than asked for very large buffers.
        for (let offset = 0; offset < bytes.byteLength;) {
          const { bytesWritten } = await handle.write(bytes, offset, Math.min(bytes.byteLength - offset, 1 << 30));
          offset += bytesWritten;
        }
      },
      close: () => handle.close(),
    };
  };
}
