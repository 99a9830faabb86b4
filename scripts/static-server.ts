/**
 * A small static file server for built apps (the drop-in example, the PWA and their browser tests):
 * serves folders under URL prefixes, with the headers a deployed app should send (cross-origin isolation
 * for WASM threads and, unless the page brings its own, a strict CSP: no eval, no inline script).
 * Node only; binds to loopback.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { startLoopbackServer } from '../src/hub-mirror/loopback-server.js';
import { ISOLATION_HEADERS } from '../src/worker/isolation-headers.js';

export interface StaticServerOptions {
  /** URL prefix (`/a/b/`) -> folder on disk. The longest matching prefix wins. */
  mounts: Record<string, string>;
  /** Origins the pages may fetch model files from (added to connect-src). */
  connectSrc?: string[];
  /** Send the strict CSP header (default true); false for apps whose pages set their own policy. */
  csp?: boolean;
  port?: number;
}

export interface StaticServer {
  url: string;
  /** `STATUS path` for every request, to check that nothing was missing. */
  log: string[];
  /** Serves another folder under a prefix from now on (e.g. the next build of an app). */
  mount(prefix: string, folder: string): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', // required for WebAssembly.instantiateStreaming
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
};

function securityHeaders(connectSrc: string[] = []): Record<string, string> {
  return {
    ...ISOLATION_HEADERS,
    // Sent with every file, so the module worker and onnxruntime's threads run under it too.
    // No eval, no inline script, no blob: (the worker turns transformers.js's blob: wasm loader off).
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "worker-src 'self'",
      `connect-src 'self' ${connectSrc.join(' ')}`.trim(),
      "style-src 'self'",
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache', // a rebuilt app is seen at once (service worker updates included)
  };
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const mountTable = new Map(Object.entries(options.mounts));
  const headers = securityHeaders(options.connectSrc);
  if (options.csp === false) delete headers['Content-Security-Policy'];
  const log: string[] = [];

  const resolve = (urlPath: string): string | null => {
    const longestFirst = [...mountTable].sort((a, b) => b[0].length - a[0].length);
    for (const [prefix, folder] of longestFirst) {
      if (!urlPath.startsWith(prefix)) continue;
      const root = path.resolve(folder);
      const file = path.resolve(root, `.${path.posix.normalize(`/${urlPath.slice(prefix.length)}`)}`);
      return file === root || file.startsWith(root + path.sep) ? file : null;
    }
    return null;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const urlPath = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let file = resolve(urlPath);
    let info = file ? await stat(file).catch(() => null) : null;
    if (file && info?.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!file || !info?.isFile()) {
      log.push(`404 ${urlPath}`);
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    log.push(`200 ${urlPath}`);
    response.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(info.size),
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  };

  const server = await startLoopbackServer(handle, options.port);
  return {
    url: server.url,
    log,
    mount: (prefix, folder) => void mountTable.set(prefix, folder),
    close: server.close,
  };
}
