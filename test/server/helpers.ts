/** Starting the service on a loopback port for tests, with a model whose runs can be held and watched. */
import type { EncodedRow } from '../../src/engine/pair-encoder.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { serveNode } from '../../src/server/node-adapter.js';
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
) {
  const service = createRerankService(
    { model: runner.info.model, dtype: runner.info.dtype, log: false, ...options },
    async () => runner,
  );
  const http = await serveNode(service.fetch, { port: 0 }, (timeoutMs) => service.close(timeoutMs));
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
