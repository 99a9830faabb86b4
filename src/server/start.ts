/** One call for the common case: a service on a Node HTTP server (what `npm run serve` runs). */
import { type DrainOptions, type NodeServeOptions, type NodeServer, serveNode } from './node-adapter.js';
import type { ServiceOptions } from './options.js';
import { type RerankService, createRerankService } from './service.js';

export interface RunningServer {
  service: RerankService;
  http: NodeServer;
  url: string;
  /** Graceful drain for SIGTERM: unready, keep serving `delayMs`, finish what was received by `timeoutMs` (see NodeServer.drain). */
  drain(options?: DrainOptions): Promise<void>;
  /** Graceful: stop accepting, finish what is queued (up to timeoutMs), free the model, close sockets. */
  close(timeoutMs?: number): Promise<void>;
}

/** Binds first (so /health answers 503 while loading), then loads the model in the background; await `service.ready`. */
export async function startServer(options: ServiceOptions & NodeServeOptions): Promise<RunningServer> {
  const service = createRerankService(options);
  let http: NodeServer;
  try {
    http = await serveNode(
      service.fetch,
      {
        port: options.port,
        host: options.host,
        headersTimeoutMs: options.headersTimeoutMs,
        bodyTimeoutMs: options.bodyTimeoutMs,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs,
        maxConnections: options.maxConnections,
      },
      service,
    );
  } catch (error) {
    await service.close(0);
    throw error;
  }
  return {
    service,
    http,
    url: http.url,
    drain: (drain) => http.drain(drain),
    close: (timeoutMs) => http.close(timeoutMs),
  };
}
