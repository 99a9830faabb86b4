/**
 * The clients refuse bad arguments as the engine does (issue 25 item 6): same class, code and message,
 * from the one validation in engine/validation.ts. The browser client's load options are checked here
 * (Node has no Worker: a load that got past its checks would fail on `new Worker`); its rank, rankDetailed
 * and score are checked in Chromium (test/browser/client-arguments.browser.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createReranker } from '../../src/client/create-reranker.js';
import type { RemoteReranker } from '../../src/client/edge-service-reranker.js';
import { Reranker } from '../../src/engine/index.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { testModel } from '../helpers/models.js';
import { startTestServer, watchedRunner } from '../server/helpers.js';
import { BAD_CALLS, outcome } from './bad-calls.js';

let engine: Reranker;
let server: Awaited<ReturnType<typeof startTestServer>>;
let watched: Awaited<ReturnType<typeof watchedRunner>>;
let edge: RemoteReranker;

beforeAll(async () => {
  const folder = await testModel('tiny-xlmr');
  engine = await Reranker.load({ model: folder, dtype: 'fp32' });
  watched = await watchedRunner(folder, 'fp32');
  server = await startTestServer({}, watched.runner);
  edge = await createReranker({ endpoint: server.url });
});
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

describe('createReranker refuses bad load options with InvalidInputError before starting a worker', () => {
  test.each([
    { what: 'no options', options: undefined, message: /createReranker needs an options object with a model/ },
    { what: 'null', options: null, message: /createReranker needs an options object with a model/ },
    { what: 'a string', options: 'Xenova/bge-reranker-base', message: /needs an options object/ },
    { what: 'model 42', options: { model: 42 }, message: /^model must be a non-empty string .*, got number$/ },
    { what: 'model null', options: { model: null }, message: /^model must be a non-empty string .*, got null$/ },
    { what: 'model blank', options: { model: '  ' }, message: /^model must be a non-empty string .*, got string$/ },
    { what: 'signal {}', options: { model: 'm', signal: {} }, message: /^signal must be an AbortSignal, got object$/ },
    { what: 'onProgress 5', options: { model: 'm', onProgress: 5 }, message: /^onProgress must be a function/ },
    { what: 'loadStallMs 0', options: { model: 'm', loadStallMs: 0 }, message: /^loadStallMs must be an integer/ },
  ])('$what', async ({ options, message }) => {
    const error = await outcome(() => createReranker(options as never));
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_INPUT',
      message: expect.stringMatching(message),
    });
  });

  test('the model check is the engine’s own: same class, code and message shape', async () => {
    const client = await outcome(() => createReranker({ model: 42 } as never));
    const node = await outcome(() => Reranker.load({ model: 42 } as never));
    const shape = (e: unknown) => (e as Error).message.replace(/\(.*\)/, '(...)');
    expect(client).toMatchObject({ name: (node as Error).name, code: 'INVALID_INPUT' });
    expect(shape(client)).toBe(shape(node));
  });
});

describe('the edge client refuses what the engine refuses, with the same error', () => {
  test.each(BAD_CALLS)('$method $what', async ({ method, args }) => {
    const expected = await outcome(() => (engine[method] as (...a: unknown[]) => Promise<unknown>)(...args));
    const got = await outcome(() => (edge[method] as (...a: unknown[]) => Promise<unknown>)(...args));
    expect(expected, 'the engine refuses it').toMatchObject({ code: expect.stringMatching(/INVALID_INPUT/) });
    expect(got).toEqual(expected);
  });

  test('bad edge options are refused with InvalidInputError', async () => {
    for (const options of [
      null,
      { endpoint: 42 },
      { endpoint: server.url, signal: {} },
      { endpoint: server.url, fetch: 'no' },
      { endpoint: server.url, apiKey: 7 },
    ]) {
      const error = await outcome(() => createReranker(options as never));
      expect(error, JSON.stringify(options)).toMatchObject({ name: 'InvalidInputError', code: 'INVALID_INPUT' });
    }
    expect(await edge.rank(KOREAN_QUERY, KOREAN_PASSAGES)).toHaveLength(KOREAN_PASSAGES.length);
  });
});
