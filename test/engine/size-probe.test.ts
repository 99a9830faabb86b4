import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sizeProbesAsHead } from '../../src/engine/size-probe.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';

let folder: string;
let mirror: HubMirror;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  mirror = await startHubMirror({ models: { 'test-org/tiny': folder } });
});
afterAll(() => mirror.close());

/** transformers.js's probe, as get_file_metadata sends it. */
const probe = (f: (url: string, init?: RequestInit) => Promise<Response>, url: string) =>
  f(url, { method: 'GET', headers: { Range: 'bytes=0-0' }, cache: 'no-store' });

describe('sizeProbesAsHead', () => {
  test("a size probe becomes a HEAD: the file's size, no body, one request", async () => {
    const url = `${mirror.url}/test-org/tiny/resolve/main/onnx/model_quantized.onnx`;
    const before = mirror.requests.length;
    const response = await probe(sizeProbesAsHead(fetch), url);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(
      (await stat(path.join(folder, 'onnx/model_quantized.onnx'))).size,
    );
    expect(response.body).toBeNull();
    expect(mirror.requests.slice(before)).toEqual(['HEAD /test-org/tiny/resolve/main/onnx/model_quantized.onnx']);
    const missing = await probe(sizeProbesAsHead(fetch), `${mirror.url}/test-org/tiny/resolve/main/nothing.json`);
    expect(missing.status).toBe(404); // transformers.js reads a 404 as "the file does not exist"
  });

  test('other requests pass untouched; a server that refuses HEAD gets the original probe', async () => {
    const seen: string[] = [];
    const refusesHead = (async (_url: string | URL, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      seen.push(`${method} ${new Headers(init?.headers).get('range') ?? ''}`);
      return method === 'HEAD'
        ? new Response(null, { status: 405 })
        : new Response('x', { status: 206, headers: { 'Content-Range': 'bytes 0-0/42' } });
    }) as typeof fetch;
    const response = await probe(sizeProbesAsHead(refusesHead), 'http://example.test/f');
    expect(response.status).toBe(206);
    expect(seen).toEqual(['HEAD ', 'GET bytes=0-0']);
    seen.length = 0;
    await sizeProbesAsHead(refusesHead)('http://example.test/f', { headers: { Range: 'bytes=0-65535' } });
    await sizeProbesAsHead(refusesHead)('http://example.test/f');
    expect(seen).toEqual(['GET bytes=0-65535', 'GET ']);
  });

  test('a HEAD that cannot be sent (offline, a service worker that answers GETs only) gets the original probe; a cancelled one does not', async () => {
    const seen: string[] = [];
    const offlineForHead = (async (_url: string | URL, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      seen.push(`${method} ${new Headers(init?.headers).get('range') ?? ''}`);
      if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      if (method === 'HEAD') throw new TypeError('Failed to fetch');
      return new Response('{', { status: 200, headers: { 'Content-Length': '1' } }); // a cache's whole file
    }) as typeof fetch;
    const response = await probe(sizeProbesAsHead(offlineForHead), 'http://example.test/tokenizer_config.json');
    expect([response.status, response.headers.get('content-length')]).toEqual([200, '1']);
    expect(seen).toEqual(['HEAD ', 'GET bytes=0-0']);

    seen.length = 0;
    const cancelled = new AbortController();
    cancelled.abort();
    const withSignal = sizeProbesAsHead(offlineForHead)('http://example.test/f', {
      method: 'GET',
      headers: { Range: 'bytes=0-0' },
      signal: cancelled.signal,
    });
    await expect(withSignal).rejects.toThrow('aborted');
    expect(seen).toEqual(['HEAD ']);
  });
});
