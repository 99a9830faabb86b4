/**
 * Slow and hostile clients on real sockets: headers or a body that never finish, idle keep-alive
 * connections, more connections than the cap, and a chunked body over the size limit. Each is ended by
 * the server with an answer (408, 413) or a clean close, never left open.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { serveNode } from '../../src/server/node-adapter.js';
import { testModel } from '../helpers/models.js';
import { RawClient, startTestServer, until } from './helpers.js';

let runner: EngineRunner;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  runner = await EngineRunner.load({ model: await testModel('tiny-xlmr'), dtype: 'fp32' });
  server = await startTestServer({ maxBodyBytes: 1000 }, runner, {
    headersTimeoutMs: 300,
    bodyTimeoutMs: 600,
    keepAliveTimeoutMs: 300,
    maxConnections: 4,
  });
});
afterAll(async () => {
  await server?.close();
  await runner?.dispose();
});

/** Whether `client` was closed by the server within a generous bound (polled, 10 ms apart). */
const closedSoon = (client: RawClient) =>
  Promise.race([client.ended.then(() => true), until(() => false, 1000).then(() => false)]);

describe('timeouts', () => {
  test('a header timeout longer than the body timeout is refused at start, naming both', async () => {
    await expect(
      serveNode(async () => new Response(), { port: 0, headersTimeoutMs: 2000, bodyTimeoutMs: 1000 }),
    ).rejects.toThrow(/headersTimeoutMs \(2000\) must not exceed bodyTimeoutMs \(1000\)/);
  });

  test('headers that never finish: 408, then the server closes the socket', async () => {
    const client = new RawClient(server.http.port);
    client.send('POST /rerank HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await closedSoon(client)).toBe(true);
    expect(client.response()?.status).toBe(408);
  });

  test('a body that never finishes: 408, then the server closes the socket', async () => {
    const client = new RawClient(server.http.port);
    client.send(
      'POST /rerank HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
    );
    client.send('{"query":"q",');
    expect(await closedSoon(client)).toBe(true);
    expect(client.response()?.status).toBe(408);
  });

  test('an idle keep-alive connection is closed after its timeout', async () => {
    const client = new RawClient(server.http.port);
    client.send('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await client.waitFor('"status":"ready"')).toBe(true);
    expect(client.response()?.headers['connection']).toBe('keep-alive');
    expect(await closedSoon(client)).toBe(true);
    expect((await client.ended).reset).toBe(false);
  });
});

test('connections over the cap are closed at once; under it again, a new one is served', async () => {
  const held = Array.from({ length: 4 }, () => new RawClient(server.http.port));
  await Promise.all(held.map((c) => new Promise((resolve) => c.socket.once('connect', resolve))));
  const open = () => new Promise<number>((resolve) => server.http.server.getConnections((_, n) => resolve(n)));
  expect(await until(async () => (await open()) === 4)).toBe(true);
  const over = new RawClient(server.http.port);
  over.send('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  expect(await closedSoon(over)).toBe(true);
  expect(over.response()).toBeUndefined();
  for (const c of held) c.socket.destroy();
  await Promise.all(held.map((c) => c.ended));
  const fresh = await fetch(`${server.url}/health`);
  expect(fresh.status).toBe(200);
});

test('a chunked body over the limit gets 413 in the API shape, not a cut connection', async () => {
  const client = new RawClient(server.http.port);
  client.send(
    'POST /rerank HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
  );
  const chunk = 'x'.repeat(500);
  for (let i = 0; i < 6; i++) client.send(`${(500).toString(16)}\r\n${chunk}\r\n`);
  expect(await client.waitFor('413')).toBe(true);
  const answer = client.response()!;
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body)).toEqual({
    error: expect.stringMatching(/limit of 1000 bytes/),
    error_type: expect.any(String),
  });
  expect((await client.ended).reset).toBe(false);
});

test('a 12 MB chunked body, still being sent when the limit is hit, gets 413, not a reset', async () => {
  const client = new RawClient(server.http.port);
  client.send(
    'POST /v1/rerank HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
  );
  const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
  // Keep sending (as a client streaming a big upload does) until the answer comes or 12 MB are out.
  for (let sent = 0; sent < 192 && !client.response() && !client.socket.destroyed; sent++) {
    if (!client.socket.write(chunk))
      await Promise.race([new Promise((resolve) => client.socket.once('drain', resolve)), client.ended]);
  }
  await client.ended;
  expect(client.response()?.status).toBe(413);
  expect(JSON.parse(client.response()!.body)).toEqual({ message: expect.stringMatching(/limit of 1000 bytes/) });
});
