/**
 * Downloads a checkpoint over the Hugging Face Hub's URL layout, `{host}/{id}/resolve/{revision}/{file}`
 * (the hub itself, a mirror, or the local test server), streaming each file into the given sink and
 * checking its size against Content-Length. Environment-free (fetch + OpenFile).
 */
import { DEFAULT_REMOTE_HOST, isHubId } from '../engine/hub-download.js';
import type { OpenFile } from '../model-builder/onnx-files.js';
import { ConversionError } from './errors.js';

export { isHubId };

export interface DownloadOptions {
  remoteHost?: string;
  revision?: string;
  signal?: AbortSignal;
  onProgress?: (event: { file: string; loaded: number; total: number | null }) => void;
}

/** Downloads what the converter reads; returns the files written. */
export async function downloadCheckpoint(id: string, open: OpenFile, options: DownloadOptions = {}): Promise<string[]> {
  if (!isHubId(id)) throw new ConversionError('DOWNLOAD_FAILED', `"${id}" is neither a local folder nor a hub id like "Dongjin-kr/ko-reranker"`);
  const host = (options.remoteHost ?? DEFAULT_REMOTE_HOST).replace(/\/?$/, '/');
  const revision = encodeURIComponent(options.revision ?? 'main');
  const url = (file: string) => `${host}${id}/resolve/${revision}/${file}`;
  const written: string[] = [];

  /**
   * Fetches `file` into the sink; false when the hub answers 404 and the file is optional.
   * `keep` collects the bytes too (for the small shard index, which names further files).
   */
  const fetchFile = async (file: string, required: boolean, keep: Uint8Array[] | null = null): Promise<boolean> => {
    let response: Response;
    try {
      response = await fetch(url(file), { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw new ConversionError('ABORTED', `the download of ${file} was stopped`, { file, cause: error });
      throw new ConversionError('DOWNLOAD_FAILED', `${file}: ${url(file)} could not be reached (${(error as Error).message})`, { file, cause: error });
    }
    if (response.status === 404 && !required) return false;
    if (!response.ok || !response.body) {
      const code = response.status === 404 ? 'CHECKPOINT_FILE_MISSING' : 'DOWNLOAD_FAILED';
      throw new ConversionError(code, `${file}: ${url(file)} answered HTTP ${response.status}`, { file });
    }
    const header = response.headers.get('content-length');
    const total = header === null ? null : Number(header);
    const sink = await open(file);
    let loaded = 0;
    try {
      const reader = response.body.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (options.signal?.aborted) throw new ConversionError('ABORTED', `the download of ${file} was stopped`, { file, cause: error });
          throw new ConversionError('DOWNLOAD_FAILED', `${file}: the download broke off after ${loaded} bytes (${(error as Error).message})`, { file, cause: error });
        }
        if (chunk.done) break;
        await sink.write(chunk.value);
        keep?.push(chunk.value);
        loaded += chunk.value.byteLength;
        options.onProgress?.({ file, loaded, total });
      }
    } finally {
      await sink.close();
    }
    if (total !== null && loaded !== total) {
      throw new ConversionError('DOWNLOAD_FAILED', `${file}: received ${loaded} bytes of ${total}`, { file });
    }
    written.push(file);
    return true;
  };

  await fetchFile('config.json', true);
  await fetchFile('tokenizer.json', true);
  for (const file of ['tokenizer_config.json', 'special_tokens_map.json']) await fetchFile(file, false);
  if (await fetchFile('model.safetensors', false)) return written;
  const index: Uint8Array[] = [];
  if (await fetchFile('model.safetensors.index.json', false, index)) {
    let shards: string[];
    try {
      shards = shardsOf(JSON.parse(joinedText(index)));
    } catch (error) {
      throw new ConversionError('CHECKPOINT_CORRUPT', `model.safetensors.index.json is not valid JSON (${(error as Error).message})`, { file: 'model.safetensors.index.json', cause: error });
    }
    for (const shard of shards) {
      if (!/^[\w.-]+$/.test(shard)) throw new ConversionError('CHECKPOINT_CORRUPT', `model.safetensors.index.json names an unsafe shard path ${JSON.stringify(shard)}`, { file: 'model.safetensors.index.json' });
      await fetchFile(shard, true);
    }
  } else {
    const pickle = await fetch(url('pytorch_model.bin'), { method: 'HEAD', signal: options.signal }).catch(() => null);
    if (pickle?.ok) {
      throw new ConversionError('UNSUPPORTED_CHECKPOINT', `${id} publishes only pytorch_model.bin (a pickle), which cannot be read safely outside Python; it needs a safetensors export`, { file: 'pytorch_model.bin' });
    }
    throw new ConversionError('CHECKPOINT_FILE_MISSING', `${id} has no model.safetensors or model.safetensors.index.json at revision ${options.revision ?? 'main'}`, { file: 'model.safetensors' });
  }
  return written;
}

function joinedText(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((chunk, i) => decoder.decode(chunk, { stream: i < chunks.length - 1 })).join('');
}

/** Shard files named by a downloaded index, each once, in order. */
export function shardsOf(index: unknown): string[] {
  const weightMap = (index as { weight_map?: Record<string, unknown> })?.weight_map;
  if (!weightMap || typeof weightMap !== 'object') return [];
  return [...new Set(Object.values(weightMap).filter((v): v is string => typeof v === 'string'))];
}
