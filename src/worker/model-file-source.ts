/**
 * Random access to a model file the worker has just loaded, for the engine's fit check: from the cache
 * transformers.js used (picked files, or the Cache API), else from its URL with HTTP Range requests, so
 * only the graph's framing travels again, never the weights.
 */
import { env } from '@huggingface/transformers';
import { hubFileUrl } from '../engine/hub-address.js';
import type { ByteSource, ModelFileOpener } from '../engine/model-fit.js';

function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

async function rangeSource(url: string): Promise<ByteSource | null> {
  // no-store: partial entries in the HTTP cache make the browser split a later full download of the
  // same file into range requests around them.
  const get = (offset: number, length: number) =>
    fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, cache: 'no-store' });
  const first = await get(0, 64 * 1024);
  if (!first.ok) return null;
  if (first.status !== 206) return blobSource(await first.blob()); // no Range support: the whole file came
  const size = Number(/\/(\d+)$/.exec(first.headers.get('Content-Range') ?? '')?.[1]);
  if (!Number.isSafeInteger(size)) return blobSource(await first.blob());
  const head = new Uint8Array(await first.arrayBuffer());
  return {
    size,
    async read(offset, length) {
      if (offset + length <= head.length) return head.subarray(offset, offset + length);
      const response = await get(offset, length);
      if (response.status !== 206) throw new Error(`range request for ${url} answered ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/** Files of `modelId` as transformers.js located them (same host, path template, revision and cache). */
export function workerModelFiles(modelId: string, revision = 'main'): ModelFileOpener {
  return async (file) => {
    const url = hubFileUrl({
      host: env.remoteHost,
      model: modelId,
      revision,
      file,
      pathTemplate: env.remotePathTemplate,
    });
    const cache = env.useCustomCache
      ? env.customCache
      : env.useBrowserCache && typeof caches !== 'undefined'
        ? await caches.open(env.cacheKey)
        : null;
    const cached = await (cache as { match(key: string): Promise<unknown> } | null)?.match(url);
    if (cached instanceof Response) return blobSource(await cached.blob());
    return rangeSource(url);
  };
}
