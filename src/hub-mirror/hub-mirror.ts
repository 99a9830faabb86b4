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
  | { kind: 'stalled-body'; bytes: number }
  /** Answers only once a request for a file whose `{model}/{file}` matches `request` has arrived (downloads that must overlap). */
  | { kind: 'after'; request: RegExp }
  /** Announces and sends only the first `bytes` bytes: a short file that looks complete (a broken mirror or proxy). */
  | { kind: 'short'; bytes: number }
  /** Answers 200 with this body instead of the file (a login or error page served as the file). */
  | { kind: 'body'; body: string; contentType: string };

export interface HubMirrorOptions {
  /** Model id (`org/name`) -> folder in the Hugging Face layout. */
  models: Record<string, string>;
  /** Revisions served for every model. Default: `main`. */
  revisions?: string[];
  port?: number;
}

export interface HubMirror {
  url: string;
  /** Every request seen, as `METHOD path`, for assertions on what was (not) downloaded. */
  requests: string[];
  /** Fault for files whose `{model}/{file}` path matches; null clears it. */
  setFault(match: RegExp, fault: Fault | null): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One `bytes=` range (RFC 9110 14.1.2) clipped to the file, null for none (or a form this server does
 * not serve, such as several ranges: the whole file is sent), 'unsatisfiable' for an inverted range,
 * one that starts past the end, or an empty suffix.
 */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Number(match[2]);
  if (start >= size || last < start) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}

export async function startHubMirror(options: HubMirrorOptions): Promise<HubMirror> {
  const revisions = new Set(options.revisions ?? ['main']);
  const faults: Array<{ match: RegExp; fault: Fault }> = [];
  const requests: string[] = [];
  /** `{model}/{file}` of every file asked for, and the answers held until a matching one arrives. */
  const seen: string[] = [];
  const held: Array<{ match: RegExp; release(): void }> = [];

  /** null: no such file; 'bad-request': the path cannot be decoded. */
  const resolveFile = (urlPath: string): { key: string; file: string } | null | 'bad-request' => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return 'bad-request'; // a malformed percent escape
    }
    const match = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(decoded);
    if (!match) return null;
    const [, model, revision, file] = match as unknown as [string, string, string, string];
    // Own keys only: `__proto__` or `constructor` as an id must not reach Object.prototype.
    const folder = Object.hasOwn(options.models, model) ? options.models[model] : undefined;
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
    const resolved = resolveFile(url.pathname);
    if (resolved === 'bad-request') {
      response.writeHead(400, { 'Content-Type': 'text/plain' }).end('Malformed percent escape in the path');
      return;
    }
    const target = resolved;
    if (target) {
      seen.push(target.key);
      for (const waiter of held.filter((h) => h.match.test(target.key))) {
        held.splice(held.indexOf(waiter), 1);
        waiter.release();
      }
    }
    const fault = target ? faults.find((f) => f.match.test(target.key))?.fault : undefined;
    if (fault?.kind === 'after' && !seen.some((key) => fault.request.test(key))) {
      await new Promise<void>((release) => held.push({ match: fault.request, release }));
    }
    const size = target
      ? await stat(target.file).then(
          (s) => (s.isFile() ? s.size : null),
          () => null,
        )
      : null;
    if (!target || size === null || fault?.kind === 'not-found') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    if (fault?.kind === 'server-error') {
      response.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Error');
      return;
    }
    if (fault?.kind === 'slow') await sleep(fault.delayMs);

    if (fault?.kind === 'body') {
      const body = Buffer.from(fault.body);
      response.writeHead(200, { 'Content-Type': fault.contentType, 'Content-Length': String(body.length) });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    // A short fault serves a prefix as if it were the whole file.
    const served = fault?.kind === 'short' ? Math.min(size, fault.bytes) : size;
    const range = parseRange(request.headers.range, served);
    if (range === 'unsatisfiable') {
      response
        .writeHead(416, { 'Content-Type': 'text/plain', 'Content-Range': `bytes */${served}` })
        .end('Range not satisfiable');
      return;
    }
    const { start, end } = range ?? { start: 0, end: served - 1 };
    const headers = {
      'Content-Type': CONTENT_TYPES[path.extname(target.file)] ?? 'application/octet-stream',
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      ETag: `"${served}"`,
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${served}` } : {}),
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
