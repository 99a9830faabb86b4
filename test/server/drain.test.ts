/**
 * Graceful drain of `ko-rerank serve` (scripts/serve.ts) under SIGTERM, as a rolling deploy does it:
 * requests in flight, bodies still arriving, keep-alive sockets and new connections during the delay.
 * Nothing may be reset: every request received is answered 200, or 503 with Retry-After at the deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { beforeAll, expect, test } from 'vitest';
import { testModel } from '../helpers/models.js';
import { longPassage } from '../helpers/text.js';
import { RawClient, postHead, postJson, until } from './helpers.js';

let folder: string;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
});

interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

function serve(...flags: string[]): Promise<Served> {
  return serveWith(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], flags);
}

/** Starts the server through `command`: node itself, or the development command `npm run serve`. */
async function serveWith(command: string, args: string[], flags: string[]): Promise<Served> {
  const child = spawn(command, [...args, '--model', folder, '--dtype', 'fp32', '--port', '0', '--quiet', ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  expect(await until(() => /ready:/.test(stderr), 6000)).toBe(true);
  const url = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(stderr)!;
  return { child, url: url[1]!, port: Number(url[2]), stderr: () => stderr, exited };
}

async function queuedRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('rerank_queue_requests '));
  return line ? Number(line.split(' ')[1]) : 0;
}

test('SIGTERM with requests in flight: /ready 503 at once, /health 200, all answered (200, or 503 + Retry-After at the deadline), no reset, exit 0', async () => {
  // The delay must outlast the checks made during it even on a loaded machine (a 400 ms delay once ran out
  // before the /health request below connected, and the closing listener reset it, as it should).
  const server = await serve('--drain-delay-ms', '2500', '--drain-timeout-ms', '8000');
  try {
    // An idle keep-alive connection, as a load balancer's pool holds.
    const keptAlive = new RawClient(server.port);
    keptAlive.send('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await keptAlive.waitFor('"status":"ready"')).toBe(true);

    // Model work in flight: enough pairs that the queue is still busy when the signal arrives.
    const texts = Array.from({ length: 150 }, (_, i) => `${longPassage(8)} ${i}`);
    const heavy = Array.from({ length: 6 }, (_, r) =>
      postJson(`${server.url}/rerank`, { query: `질문 ${r}`, texts, truncate: true }).then(
        async (response) => ({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: await response.text(),
        }),
        (error: unknown) => ({ status: 0, retryAfter: null, body: String(error) }),
      ),
    );
    expect(await until(async () => (await queuedRequests(server.url)) >= 6, 3000)).toBe(true);

    // Received, body still arriving: the rest comes after the signal, and it must be served.
    const slowBody = JSON.stringify({ query: '늦은 본문', texts: ['가나다', '라마바'] });
    const slow = new RawClient(server.port);
    slow.send(postHead('/rerank', Buffer.byteLength(slowBody)));
    expect(await slow.waitFor('100 Continue')).toBe(true);
    slow.send(slowBody.slice(0, 10));
    // Received, body never finished: answered 503 with Retry-After at the drain deadline.
    const stuck = new RawClient(server.port);
    stuck.send(postHead('/v2/rerank', 1000));
    expect(await stuck.waitFor('100 Continue')).toBe(true);
    stuck.send('{"query":');

    const signalled = performance.now();
    server.child.kill('SIGTERM');
    expect(await until(() => /SIGTERM: draining/.test(server.stderr()), 500)).toBe(true);

    // During the delay: unready, alive, and a new connection is still served (with Connection: close).
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('connection')).toBe('close');

    slow.send(slowBody.slice(10));
    const heavyAnswers = await Promise.all(heavy);
    const ends = await Promise.all([slow.ended, stuck.ended, keptAlive.ended]);
    const drainMs = performance.now() - signalled;

    for (const answer of heavyAnswers) {
      expect([200, 503]).toContain(answer.status); // 0 would be a reset or a cut connection
      if (answer.status === 503) {
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String), error_type: expect.any(String) });
      }
    }
    expect(slow.response()).toMatchObject({ status: 200, headers: { connection: 'close' } });
    expect(JSON.parse(slow.response()!.body)).toHaveLength(2);
    const expired = stuck.response()!;
    expect(expired.status).toBe(503);
    expect(Number(expired.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(expired.body)).toEqual({ message: expect.stringMatching(/shutting down/) }); // Cohere v2's shape
    expect(ends.map((end) => end.reset)).toEqual([false, false, false]);
    expect(await server.exited).toBe(0);
    // The deadline bounds the drain (8 s); a generous bound for a loaded machine.
    expect(drainMs).toBeLessThan(20_000);
    const reported = /drained in (\d+) ms/.exec(server.stderr());
    expect(reported).not.toBeNull();
    console.info(
      `drain: ${heavyAnswers.filter((a) => a.status === 200).length}/6 heavy answered 200, drained in ${reported![1]} ms`,
    );
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}, 90_000);

test('a second signal exits at once, logging how many requests were abandoned', async () => {
  const server = await serve('--drain-delay-ms', '60000', '--drain-timeout-ms', '120000');
  try {
    const stuck = new RawClient(server.port);
    stuck.send(postHead('/rerank', 1000));
    expect(await stuck.waitFor('100 Continue')).toBe(true);
    server.child.kill('SIGTERM');
    expect(await until(() => /SIGTERM: draining/.test(server.stderr()), 500)).toBe(true);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/SIGINT again: exiting now, 1 requests abandoned/);
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}, 60_000);

test('SIGTERM to the PID of `npm run serve` (the development command) reaches the server: it drains and exits', async () => {
  // A process manager signals the PID it started; the script execs node, so npm's child is the server itself.
  const server = await serveWith('npm', ['run', '--silent', 'serve', '--'], ['--drain-delay-ms', '0']);
  try {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await until(() => /drained in \d+ ms/.test(server.stderr()), 5000)).toBe(true);
    // Nothing left answering on the port: no orphan kept serving.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}, 60_000);
