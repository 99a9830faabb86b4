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
  /** A client must send all its headers within this (else 408 and the socket closes). Default 15 000 ms. */
  headersTimeoutMs?: number;
  /** ... and its whole request, body included, within this. Default 60 000 ms. */
  bodyTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 000 ms (Node's). */
  keepAliveTimeoutMs?: number;
  /** Open connections at most; beyond, new ones are closed at once. Default 1024. */
  maxConnections?: number;
}

export const SERVE_DEFAULTS = {
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
} as const;

/** What the adapter drives through a graceful drain; the rerank service implements it. */
export interface Drainable {
  /** Readiness off; requests are still served. */
  beginDrain(): void;
  /** The deadline passed: answer everything unfinished at once (503 with Retry-After). */
  expire(): void;
  /** No request is left: free what is held. */
  close(timeoutMs: number): Promise<void>;
}

export interface DrainOptions {
  /** Keep accepting this long after readiness turns off, so load balancers notice first. Default 0. */
  delayMs?: number;
  /** Everything is answered within this, counted from the call (delay included). Default 30 000. */
  timeoutMs?: number;
}

export interface NodeServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /**
   * Graceful drain: readiness off, keep serving for `delayMs`, close the listener, finish every request
   * received (bodies still arriving included) until `timeoutMs`, answer the rest 503, close the sockets.
   * Every response from the start of the drain carries `Connection: close`.
   */
  drain(options?: DrainOptions): Promise<void>;
  /** `drain` without the delay. */
  close(timeoutMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `done` resolves or `ms` have passed, whichever is first. */
async function within(done: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
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

const NOTHING_TO_DRAIN: Drainable = { beginDrain() {}, expire() {}, close: async () => {} };

/** Serves `handler`; `target` (e.g. the rerank service) is driven through the drain on close. */
export async function serveNode(
  handler: FetchHandler,
  options: NodeServeOptions = {},
  target: Drainable = NOTHING_TO_DRAIN,
): Promise<NodeServer> {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;
  const settings = { ...SERVE_DEFAULTS, ...definedOnly(options) };
  // Node refuses this too, with a message that names its own option names, not ours.
  if (settings.bodyTimeoutMs > 0 && settings.headersTimeoutMs > settings.bodyTimeoutMs)
    throw new RangeError(
      `headersTimeoutMs (${settings.headersTimeoutMs}) must not exceed bodyTimeoutMs (${settings.bodyTimeoutMs}): the whole request includes its headers`,
    );

  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.bodyTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this period (30 s by default, longer than they may be).
      connectionsCheckingInterval: Math.min(
        1000,
        ...[settings.headersTimeoutMs, settings.bodyTimeoutMs].filter((ms) => ms > 0),
      ),
    },
    (req, res) => {
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
    },
  );
  server.maxConnections = settings.maxConnections;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let drainRun: Promise<void> | undefined;
  const allAnswered = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve)));

  function drain({ delayMs = 0, timeoutMs = 30_000 }: DrainOptions = {}): Promise<void> {
    drainRun ??= (async () => {
      const deadline = Date.now() + timeoutMs;
      draining = true;
      target.beginDrain();
      // Still accepting, idle keep-alive connections left open: a request the load balancer sends on one
      // before it sees /ready fail is served (and its socket closed after), where closing it now would
      // reset a request already on the wire.
      if (delayMs > 0) await sleep(Math.min(delayMs, timeoutMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await within(allAnswered(), deadline - Date.now());
      if (inFlight > 0) {
        target.expire();
        // expire() answers at once; the bound only guards against a response that cannot be written.
        await within(allAnswered(), 1000);
      }
      await target.close(0);
      server.closeAllConnections();
      await closed;
    })();
    return drainRun;
  }

  return {
    server,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    get inFlight() {
      return inFlight;
    },
    drain,
    close: (timeoutMs) => drain({ timeoutMs }),
  };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
