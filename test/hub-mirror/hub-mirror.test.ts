/**
 * The local hub-layout server answers hostile requests with a status, never a 500 or a dropped
 * connection (issue 10, item 11): ids that name Object.prototype members, malformed percent escapes,
 * and Range headers that are inverted or past the end of the file.
 */
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { testModel } from '../helpers/models.js';

let server: HubMirror;
let configSize: number;
beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  configSize = (await stat(path.join(folder, 'config.json'))).size;
  server = await startHubMirror({ models: { 'test-org/tiny': folder } });
});
afterAll(() => server.close());

/** A raw GET (fetch would refuse or normalise some of these paths); resolves even if the connection drops. */
function get(
  urlPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string } | { dropped: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const req = request({ hostname, port, path: urlPath, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', (error) => resolve({ dropped: error.message }));
    });
    req.on('error', (error) => resolve({ dropped: error.message }));
    req.end();
  });
}

test.each([
  ['/__proto__/resolve/main/config.json', 404],
  ['/constructor/resolve/main/config.json', 404],
  ['/test-org/__proto__/resolve/main/config.json', 404],
  ['/hasOwnProperty/resolve/main/config.json', 404],
  ['/test-org/tiny/resolve/__proto__/config.json', 404],
  ['/test-org/tiny/resolve/main/%E0%A4%A.json', 400],
  ['/test-org/%/resolve/main/config.json', 400],
])('GET %s answers %i', async (urlPath, status) => {
  expect(await get(urlPath)).toMatchObject({ status });
});

test.each([
  ['bytes=500-100', 'inverted'],
  [`bytes=${1e9}-`, 'starting past the end'],
  [`bytes=${1e9}-${1e9 + 5}`, 'wholly past the end'],
  ['bytes=-0', 'an empty suffix'],
])('Range %s (%s) answers 416 with the size', async (range) => {
  const answer = await get('/test-org/tiny/resolve/main/config.json', { Range: range });
  expect(answer).toMatchObject({ status: 416, headers: { 'content-range': `bytes */${configSize}` } });
});

test('valid ranges still answer 206 with the bytes asked for', async () => {
  expect(await get('/test-org/tiny/resolve/main/config.json', { Range: 'bytes=0-0' })).toMatchObject({
    status: 206,
    body: '{',
  });
  const tail = await get('/test-org/tiny/resolve/main/config.json', { Range: `bytes=1-${configSize + 100}` });
  expect(tail).toMatchObject({ status: 206, headers: { 'content-range': `bytes 1-${configSize - 1}/${configSize}` } });
});

test('a short fault serves a prefix that announces itself as the whole file; a body fault replaces the file', async () => {
  const full = await get('/test-org/tiny/resolve/main/config.json');
  server.setFault(/config\.json$/, { kind: 'short', bytes: 10 });
  const short = await get('/test-org/tiny/resolve/main/config.json');
  expect(short).toMatchObject({ status: 200, headers: { 'content-length': '10' } });
  expect((short as { body: string }).body).toBe((full as { body: string }).body.slice(0, 10));
  server.setFault(/config\.json$/, { kind: 'body', body: '<html>Sign in</html>', contentType: 'text/html' });
  expect(await get('/test-org/tiny/resolve/main/config.json')).toMatchObject({
    status: 200,
    headers: { 'content-type': 'text/html', 'content-length': '20' },
    body: '<html>Sign in</html>',
  });
  server.setFault(/config\.json$/, null);
  expect(await get('/test-org/tiny/resolve/main/config.json')).toMatchObject({
    status: 200,
    body: (full as { body: string }).body,
  });
});
