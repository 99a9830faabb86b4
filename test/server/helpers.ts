/** Starting the service on a loopback port for tests, with a model whose runs can be held and watched. */
import { type Socket, connect } from 'node:net';
import type { EncodedRow } from '../../src/engine/pair-encoder.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { type NodeServeOptions, serveNode } from '../../src/server/node-adapter.js';
import type { ServiceOptions } from '../../src/server/options.js';
import { createRerankService } from '../../src/server/service.js';

/** The real engine, plus: every row it is given, and a gate that holds runs until released. */
export interface WatchedRunner {
  runner: EngineRunner;
  seen: EncodedRow[];
  hold(): void;
  release(): void;
  /** Resolves when `count` runs have started since the runner was made (and are held, if held). */
  started(count: number): Promise<void>;
  runs(): number;
}

export async function watchedRunner(model: string, dtype: 'fp32' | 'q8'): Promise<WatchedRunner> {
  const runner = await EngineRunner.load({ model, dtype });
  const seen: EncodedRow[] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let runs = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const run = runner.run.bind(runner);
  runner.run = async (rows) => {
    seen.push(...rows);
    runs++;
    for (const w of waiters.filter((w) => runs >= w.count)) w.resolve();
    if (gate) await gate;
    return run(rows);
  };
  return {
    runner,
    seen,
    hold: () => void (gate = new Promise((resolve) => (open = resolve))),
    release: () => {
      open?.();
      gate = undefined;
    },
    runs: () => runs,
    started: (count) =>
      runs >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

export async function startTestServer(
  options: Omit<ServiceOptions, 'model'> & { model?: string },
  runner: EngineRunner,
  serveOptions: NodeServeOptions = {},
) {
  const service = createRerankService(
    { model: runner.info.model, dtype: runner.info.dtype, log: false, ...options },
    async () => runner,
  );
  const http = await serveNode(service.fetch, { port: 0, ...serveOptions }, service);
  await service.ready;
  return { service, http, url: http.url, close: (timeoutMs?: number) => http.close(timeoutMs) };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

/** Polls until `predicate` holds, at most `turns` times, 10 ms apart. */
export async function until(predicate: () => boolean | Promise<boolean>, turns = 300): Promise<boolean> {
  for (let i = 0; i < turns; i++) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An HTTP/1.1 exchange on a plain socket, for what fetch hides: a body sent in parts, slowly, or never
 * finished, and how the connection ends. `send` writes the request head (and any body parts); the
 * answer is the last final (non-1xx) response read before the server closed the connection, and
 * `reset` says whether it ended with ECONNRESET instead of a clean close.
 */
export class RawClient {
  readonly socket: Socket;
  private received = '';
  readonly ended: Promise<{ reset: boolean }>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    this.ended = new Promise((resolve) => {
      let reset = false;
      this.socket.on('error', (error: NodeJS.ErrnoException) => (reset ||= error.code === 'ECONNRESET'));
      this.socket.on('close', () => resolve({ reset }));
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Resolves once the bytes read so far contain `text` (bounded: false after `turns` polls). */
  waitFor(text: string, turns = 1000): Promise<boolean> {
    return until(() => this.received.includes(text), turns);
  }

  /** The last complete response head and body read so far. */
  response(): RawResponse | undefined {
    const heads = [...this.received.matchAll(/HTTP\/1\.1 (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n/g)].filter(
      (m) => !m[1]!.startsWith('1'),
    );
    const last = heads.at(-1);
    if (!last) return undefined;
    const headers: Record<string, string> = {};
    for (const line of last[2]!.split('\r\n').filter(Boolean)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const raw = this.received.slice(last.index! + last[0].length);
    const body = headers['transfer-encoding'] === 'chunked' ? dechunk(raw) : raw;
    return { status: Number(last[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') };
  }
}

/** The data of a chunked body (as far as it was read). */
function dechunk(raw: string): string {
  let data = '';
  for (let at = 0; ;) {
    const lineEnd = raw.indexOf('\r\n', at);
    const size = lineEnd < 0 ? 0 : parseInt(raw.slice(at, lineEnd), 16);
    if (!size) return data;
    data += raw.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** The head of a POST with a Content-Length, asking for 100 Continue so the test knows it was received. */
export function postHead(path: string, contentLength: number): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${contentLength}\r\nExpect: 100-continue\r\n\r\n`
  );
}
