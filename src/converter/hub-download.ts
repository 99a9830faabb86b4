/**
 * Downloads a checkpoint over the Hugging Face Hub's URL layout (engine/hub-address.ts: the hub itself,
 * a mirror, or src/hub-mirror), streaming each file into the given sink and
 * checking its size against Content-Length. Environment-free (fetch + OpenFile).
 */
import { AbortedError, RerankerError } from '../engine/errors.js';
import { DEFAULT_STALL_TIMEOUT_MS, guardedFetch } from '../engine/guarded-fetch.js';
import { hubFileUrl, isHubId } from '../engine/hub-address.js';
import { networkReason } from '../engine/hub-download.js';
import type { OpenFile } from '../model-builder/onnx-files.js';
import { ConversionError } from './errors.js';

export interface DownloadOptions {
  remoteHost?: string;
  revision?: string;
  signal?: AbortSignal;
  /** Longest wait for a response's headers or its next chunk before DOWNLOAD_STALLED. Default 30 000 ms. */
  stallTimeoutMs?: number;
  onProgress?: (event: { file: string; loaded: number; total: number | null }) => void;
}

/** The engine's download errors (stall, short body, abort) in the converter's terms. */
function conversionError(
  file: string,
  loaded: number,
  error: unknown,
  signal: AbortSignal | undefined,
): ConversionError {
  if (error instanceof ConversionError) return error;
  if (signal?.aborted || error instanceof AbortedError)
    return new ConversionError('ABORTED', `the download of ${file} was stopped`, { file, cause: error });
  if (error instanceof RerankerError && error.code === 'DOWNLOAD_STALLED')
    return new ConversionError('DOWNLOAD_STALLED', `${file}: ${error.message}`, { file, cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new ConversionError(
    'DOWNLOAD_FAILED',
    loaded > 0
      ? `${file}: the download broke off after ${loaded} bytes (${message})`
      : `${file}: could not be downloaded (${message})`,
    { file, cause: error },
  );
}

/** Downloads what the converter reads; returns the files written. */
export async function downloadCheckpoint(id: string, open: OpenFile, options: DownloadOptions = {}): Promise<string[]> {
  if (!isHubId(id))
    throw new ConversionError(
      'DOWNLOAD_FAILED',
      `"${id}" is neither a local folder nor a hub id like "Dongjin-kr/ko-reranker"`,
    );
  const revision = options.revision ?? 'main';
  const url = (file: string) => hubFileUrl({ host: options.remoteHost, model: id, revision, file });
  const written: string[] = [];

  /**
   * Fetches `file` into the sink; false when the hub answers 404 and the file is optional.
   * `keep` collects the bytes too (for the small shard index, which names further files).
   */
  const fetchFile = async (file: string, required: boolean, keep: Uint8Array[] | null = null): Promise<boolean> => {
    let response: Response;
    const policy = {
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    try {
      response = await guardedFetch(fetch, url(file), {}, policy);
    } catch (error) {
      const typed = conversionError(file, 0, error, options.signal);
      if (typed.code !== 'DOWNLOAD_FAILED') throw typed;
      // No answer at all: offline, or a host that is not there. Name the host and the ways around it.
      throw new ConversionError(
        'DOWNLOAD_FAILED',
        `${file} could not be downloaded: ${new URL(url(file)).origin} did not answer (${networkReason(error)}). ` +
          'Without a network, convert a local checkpoint folder; for a mirror, pass --remote-host (remoteHost).',
        { file, cause: error },
      );
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
          throw conversionError(file, loaded, error, options.signal);
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
      throw new ConversionError(
        'CHECKPOINT_CORRUPT',
        `model.safetensors.index.json is not valid JSON (${(error as Error).message})`,
        { file: 'model.safetensors.index.json', cause: error },
      );
    }
    for (const shard of shards) {
      if (!/^[\w.-]+$/.test(shard))
        throw new ConversionError(
          'CHECKPOINT_CORRUPT',
          `model.safetensors.index.json names an unsafe shard path ${JSON.stringify(shard)}`,
          { file: 'model.safetensors.index.json' },
        );
      await fetchFile(shard, true);
    }
  } else {
    const pickle = await fetch(url('pytorch_model.bin'), { method: 'HEAD', signal: options.signal }).catch(() => null);
    if (pickle?.ok) {
      throw new ConversionError(
        'UNSUPPORTED_CHECKPOINT',
        `${id} publishes only pytorch_model.bin (a pickle), which cannot be read safely outside Python; it needs a safetensors export`,
        { file: 'pytorch_model.bin' },
      );
    }
    throw new ConversionError(
      'CHECKPOINT_FILE_MISSING',
      `${id} has no model.safetensors or model.safetensors.index.json at revision ${options.revision ?? 'main'}`,
      { file: 'model.safetensors' },
    );
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
