/**
 * A local stand-in for the Hugging Face Hub: serves model folders at `/{model}/resolve/{revision}/{file}`,
 * with switchable faults (404, 500, slow, truncated bodies) so downloads and their failures are tested
 * over real HTTP. Node only; binds to loopback.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { startLoopbackServer } from './loopback-server.js';

export type Fault =
  | { kind: 'not-found' }
  | { kind: 'server-error' }
  /** Waits before answering, then sends the body in chunks spaced out by `chunkDelayMs`. */
  | { kind: 'slow'; delayMs: number; chunkDelayMs?: number }
  /** Announces the full Content-Length but closes the connection after `bytes` bytes. */
  | { kind: 'truncated'; bytes: number }
  /** Announces the full Content-Length, sends `bytes` bytes, then nothing more, keeping the connection open. */
  | { kind: 'stalled-body'; bytes: number };

export interface ModelServerOptions {
  /** Model id (`org/name`) -> folder in the Hugging Face layout. */
  models: Record<string, string>;
  /** Revisions served for every model. Default: `main`. */
  revisions?: string[];
  port?: number;
}

export interface ModelServer {
  url: string;
  /** Every request seen, as `METHOD path`, for assertions on what was (not) downloaded. */
  requests: string[];
  /** Fault for files whose `{model}/{file}` path matches; null clears it. */
  setFault(match: RegExp, fault: Fault | null): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const revisions = new Set(options.revisions ?? ['main']);
  const faults: Array<{ match: RegExp; fault: Fault }> = [];
  const requests: string[] = [];

  const resolveFile = (urlPath: string): { key: string; file: string } | null => {
    const match = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(decodeURIComponent(urlPath));
    if (!match) return null;
    const [, model, revision, file] = match as unknown as [string, string, string, string];
    const folder = options.models[model];
    if (!folder || !revisions.has(revision) || file.split('/').includes('..')) return null;
    return { key: `${model}/${file}`, file: path.join(folder, file) };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    requests.push(`${request.method} ${request.url}`);
    // Pages that are cross-origin isolated (COEP require-corp) may load these files.
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag');
    response.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    if (request.method === 'OPTIONS') {
      response.setHeader('Access-Control-Allow-Headers', '*');
      response.writeHead(204).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const target = resolveFile(url.pathname);
    const fault = target ? faults.find((f) => f.match.test(target.key))?.fault : undefined;
    const size = target ? await stat(target.file).then((s) => (s.isFile() ? s.size : null), () => null) : null;
    if (!target || size === null || fault?.kind === 'not-found') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    if (fault?.kind === 'server-error') {
      response.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Error');
      return;
    }
    if (fault?.kind === 'slow') await sleep(fault.delayMs);

    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
    if (range) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    }
    const headers = {
      'Content-Type': CONTENT_TYPES[path.extname(target.file)] ?? 'application/octet-stream',
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      ETag: `"${size}"`,
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    };
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (fault?.kind === 'stalled-body') {
      const stream = createReadStream(target.file, { start, end: Math.min(end, start + fault.bytes - 1) });
      stream.pipe(response, { end: false }); // never ended: the client waits for the rest
      return;
    }
    if (fault?.kind === 'truncated') {
      const stream = createReadStream(target.file, { start, end: Math.min(end, start + fault.bytes - 1) });
      stream.on('end', () => response.destroy()); // the client sees a body shorter than announced
      stream.pipe(response, { end: false });
      return;
    }
    const stream = createReadStream(target.file, { start, end, highWaterMark: 64 * 1024 });
    if (fault?.kind === 'slow' && fault.chunkDelayMs) {
      for await (const chunk of stream) {
        if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
        await sleep(fault.chunkDelayMs);
      }
      response.end();
      return;
    }
    stream.pipe(response);
  };

  const server = await startLoopbackServer(handle, options.port);
  return {
    url: server.url,
    requests,
    setFault(match, fault) {
      const existing = faults.findIndex((f) => f.match.source === match.source);
      if (existing >= 0) faults.splice(existing, 1);
      if (fault) faults.unshift({ match, fault });
    },
    close: server.close,
  };
}
