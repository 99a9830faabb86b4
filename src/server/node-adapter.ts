/**
 * Node adapter: node:http in front of the web-standard handler. Written out rather than taken from a
 * framework because the few things it must get right are exactly the ones frameworks hide: a client
 * that disconnects aborts `request.signal` (so its queued pairs are dropped), the body is streamed so
 * the handler can stop at the size limit, and shutdown drains in-flight requests before closing sockets.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchHandler } from './handler.js';

export interface NodeServeOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only unless asked otherwise. */
  host?: string;
}

export interface NodeServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, lets `drain` finish the work in flight, waits for those responses, closes sockets. */
  close(timeoutMs?: number): Promise<void>;
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  // The path is all the handler routes on; the Host header is the caller's and is not trusted.
  const url = new URL(req.url?.startsWith('/') ? req.url : '/', 'http://localhost');
  return new Request(url, {
    method,
    headers,
    signal,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    // @ts-expect-error Node's fetch needs duplex for a streamed body; the DOM typings do not know it yet
    duplex: 'half',
  });
}

async function writeResponse(response: Response, res: ServerResponse, draining: boolean): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  if (draining) headers['connection'] = 'close'; // no more requests on this socket: we are going away
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  if (res.destroyed) return;
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Serves `handler`; `drain` is called on close (e.g. the service's close) before sockets are cut. */
export async function serveNode(
  handler: FetchHandler,
  options: NodeServeOptions = {},
  drain: (timeoutMs: number) => Promise<void> = async () => {},
): Promise<NodeServer> {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  const server = createServer((req, res) => {
    inFlight++;
    const controller = new AbortController();
    // 'close' on the response before it finished writing means the client went away.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch {
      res.writeHead(400).end();
      inFlight--;
      return;
    }
    handler(request)
      .then((response) => writeResponse(response, res, draining))
      .catch(() => {
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
        else res.destroy();
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    server,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close(timeoutMs = 30_000) {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = Date.now() + timeoutMs;
        await drain(timeoutMs);
        if (inFlight > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            new Promise<void>((resolve) => (idle = resolve)),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
          ]);
          clearTimeout(timer);
        }
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
