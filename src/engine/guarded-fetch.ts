/**
 * fetch for model downloads that cannot hang and cannot pass off half a file: a stall timeout on the
 * response headers and between body chunks, the caller's AbortSignal, and a body that errors when it
 * ends short of its Content-Length (so no cache ever stores it). No Node APIs: used in Node and workers.
 */
import { AbortedError, ModelLoadError } from './errors.js';

/** A download that received nothing for `stallTimeoutMs`: no response headers, or no next body chunk. */
export function downloadStalled(
  file: string,
  phase: 'headers' | 'body',
  stallTimeoutMs: number,
  received: number,
): ModelLoadError {
  const what = phase === 'headers' ? 'no response headers arrived' : `no data arrived after ${received} bytes`;
  return new ModelLoadError('DOWNLOAD_STALLED', `the download of ${file} stalled: ${what} for ${stallTimeoutMs} ms`, {
    file,
  });
}

export interface DownloadPolicy {
  /** Longest wait for the response headers, and between two chunks of the body. */
  stallTimeoutMs: number;
  signal?: AbortSignal;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

function fileOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/resolve/').pop()?.split('/').slice(1).join('/') ?? url);
}

/**
 * One guarded request. Errors: AbortedError (the caller's signal), ModelLoadError DOWNLOAD_STALLED (nothing
 * arrived for `stallTimeoutMs`), ModelLoadError MODEL_LOAD_FAILED (a body shorter than announced).
 */
export async function guardedFetch(
  fetchImpl: Fetch,
  url: string,
  init: RequestInit,
  policy: DownloadPolicy,
): Promise<Response> {
  const { signal, stallTimeoutMs } = policy;
  if (signal?.aborted) throw new AbortedError('loading was cancelled');
  const controller = new AbortController();
  const file = fileOf(url);
  let failure = null as Error | null;
  const stop = (error: Error) => {
    failure ??= error;
    controller.abort(error);
  };
  const onAbort = () => stop(new AbortedError('loading was cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (phase: 'headers' | 'body', received: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => stop(downloadStalled(file, phase, stallTimeoutMs, received)), stallTimeoutMs);
  };
  const finish = () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };

  arm('headers', 0);
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, signal: controller.signal });
  } catch (error) {
    finish();
    throw failure ?? error;
  }
  if (!response.body) {
    finish();
    return response;
  }
  // Content-Length counts encoded bytes; with an encoding the decoded length cannot be checked against it.
  const announced = response.headers.get('content-encoding')
    ? NaN
    : Number(response.headers.get('content-length') ?? NaN);
  const reader = response.body.getReader();
  let received = 0;
  arm('body', 0);
  const body = new ReadableStream<Uint8Array>({
    async pull(out) {
      try {
        const { done, value } = await reader.read();
        if (failure) throw failure;
        if (done) {
          finish();
          if (Number.isFinite(announced) && received !== announced) {
            throw new ModelLoadError(
              'MODEL_LOAD_FAILED',
              `the download of ${file} ended after ${received} of ${announced} bytes`,
              { file },
            );
          }
          out.close();
          return;
        }
        received += value.byteLength;
        arm('body', received);
        out.enqueue(value);
      } catch (error) {
        finish();
        reader.cancel().catch(() => undefined);
        out.error(failure ?? error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
