/**
 * GET /openapi.json against the service's real answers: every exchange below (each route, success and
 * the errors a client can cause, a loading server's 503s) must answer a status the document lists for
 * that route, with a body its schema accepts; and for bodies that only the request schema decides, the
 * schema must accept exactly what the server's parser accepts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { serveNode } from '../../src/server/node-adapter.js';
import { createRerankService } from '../../src/server/service.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { startTestServer } from './helpers.js';

const KEY = 'openapi-test-key';
const MODEL = 'ko-rerank-test';
const auth = { authorization: `Bearer ${KEY}` };
const docs = KOREAN_PASSAGES.slice(0, 3);

interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  rawBody?: string;
  withKey?: boolean;
  status: number;
  /** The request schema alone decides this body: it must accept it exactly when the server answers 200. */
  schemaDecides?: boolean;
}

const post = (path: string, body: unknown, status: number, schemaDecides = true): Exchange => ({
  method: 'POST',
  path,
  body,
  status,
  schemaDecides,
});

const EXCHANGES: Exchange[] = [
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs, top_n: 2, return_documents: true }, 200),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: [{ text: docs[0] }, docs[1]] }, 200),
  post('/v1/rerank', { query: ' ', documents: docs }, 400),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: [] }, 400),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: [7] }, 400),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs, top_n: 0 }, 400),
  { method: 'POST', path: '/v1/rerank', body: { query: KOREAN_QUERY, documents: docs }, withKey: false, status: 401 },
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: docs, max_tokens_per_doc: 8 }, 200),
  post('/v2/rerank', { query: KOREAN_QUERY, documents: docs }, 400),
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: docs, max_tokens_per_doc: 0 }, 400),
  post('/v2/rerank', { model: 'not-served', query: KOREAN_QUERY, documents: docs }, 404, false),
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: docs, priority: 2, top_n: null }, 200),
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: docs, priority: -1 }, 400),
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: docs, return_documents: true }, 400),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs, rank_fields: ['text'], model: null }, 200),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs, rank_fields: ['title'] }, 400),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs, max_chunks_per_doc: 3 }, 400),
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs, temperature: 0 }, 400),
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: Array<string>(5).fill('가') }, 400, false),
  post('/rerank', { query: KOREAN_QUERY, texts: docs, raw_scores: true, return_text: true, truncate: true }, 200),
  post('/rerank', { query: KOREAN_QUERY, texts: docs, truncation_direction: 'Right' }, 200),
  post('/rerank', { query: KOREAN_QUERY, texts: [] }, 400),
  post('/rerank', { query: KOREAN_QUERY, texts: [1] }, 422),
  post('/rerank', { query: KOREAN_QUERY, texts: docs, truncation_direction: 'Left' }, 422),
  post('/rerank', { query: KOREAN_QUERY, texts: docs, raw_scores: 'yes' }, 422),
  post('/rerank', { query: KOREAN_QUERY, texts: [longPassage(40)] }, 413, false),
  post('/rerank', { query: KOREAN_QUERY, texts: Array<string>(5).fill('가') }, 413, false),
  { method: 'POST', path: '/rerank', rawBody: '{"query": ', status: 400 },
  { method: 'GET', path: '/health', withKey: false, status: 200 },
  { method: 'GET', path: '/ready', withKey: false, status: 200 },
  { method: 'GET', path: '/info', status: 200 },
  { method: 'GET', path: '/info', withKey: false, status: 401 },
  { method: 'GET', path: '/metrics', status: 200 },
  { method: 'GET', path: '/metrics', withKey: false, status: 401 },
  { method: 'GET', path: '/openapi.json', withKey: false, status: 200 },
];

/** A loading server: every rerank route and both probes answer 503. */
const WHILE_LOADING: Exchange[] = [
  post('/v1/rerank', { query: KOREAN_QUERY, documents: docs }, 503, false),
  post('/v2/rerank', { model: MODEL, query: KOREAN_QUERY, documents: docs }, 503, false),
  post('/rerank', { query: KOREAN_QUERY, texts: docs }, 503, false),
  { method: 'GET', path: '/health', status: 503 },
  { method: 'GET', path: '/ready', status: 503 },
];

let server: Awaited<ReturnType<typeof startTestServer>>;
let document: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
ajv.addKeyword('components'); // the document's own section, which the schemas' $refs point into

beforeAll(async () => {
  const runner = await EngineRunner.load({ model: await testModel('tiny-xlmr'), dtype: 'fp32' });
  server = await startTestServer({ apiKey: KEY, modelNames: [MODEL], maxDocuments: 4 }, runner);
  const response = await fetch(`${server.url}/openapi.json`);
  document = (await response.json()) as typeof document;
  ajv.addSchema({ $id: 'https://ko-rerank.invalid/openapi.json', components: document.components });
});
afterAll(async () => {
  await server?.close();
});

function validate(schema: unknown, value: unknown): string | undefined {
  const check = ajv.compile(relative(schema));
  return check(value) ? undefined : ajv.errorsText(check.errors);
}
/** A schema from the document, its `#/components/...` refs resolved against the document. */
function relative(schema: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/', '"https://ko-rerank.invalid/openapi.json#/components/'),
  ) as Record<string, unknown>;
}

async function exchange(url: string, e: Exchange): Promise<{ status: number; type: string; body: string }> {
  const headers: Record<string, string> = e.withKey === false ? {} : { ...auth };
  let body: string | undefined;
  if (e.method === 'POST') {
    headers['content-type'] = 'application/json';
    body = e.rawBody ?? JSON.stringify(e.body);
  }
  const response = await fetch(`${url}${e.path}`, { method: e.method, headers, body });
  return {
    status: response.status,
    type: (response.headers.get('content-type') ?? '').split(';')[0]!,
    body: await response.text(),
  };
}

async function checkAgainstDocument(url: string, exchanges: Exchange[]) {
  for (const e of exchanges) {
    const label = `${e.method} ${e.path} ${e.rawBody ?? JSON.stringify(e.body ?? '')}`.slice(0, 120);
    const answer = await exchange(url, e);
    expect(answer.status, label).toBe(e.status);
    const operation = document.paths[e.path]?.[e.method.toLowerCase()];
    expect(operation, `${label}: route not in the document`).toBeDefined();
    const documented = operation!.responses[String(answer.status)];
    expect(documented, `${label}: status ${answer.status} not in the document`).toBeDefined();
    const media = documented!.content?.[answer.type];
    expect(media, `${label}: ${answer.type} not documented for ${answer.status}`).toBeDefined();
    const value: unknown = answer.type === 'application/json' ? JSON.parse(answer.body) : answer.body;
    expect(validate(media!.schema, value), `${label}: answer does not match`).toBeUndefined();
    if (e.schemaDecides && e.body !== undefined) {
      const requestSchema = operation!.requestBody!.content['application/json']!.schema;
      const accepted = validate(requestSchema, e.body) === undefined;
      expect(accepted, `${label}: the request schema ${accepted ? 'accepts' : 'refuses'} it`).toBe(
        answer.status === 200,
      );
    }
  }
}

describe('GET /openapi.json', () => {
  test('is public, OpenAPI 3.1, versioned like /info, and lists exactly the routes the server answers', async () => {
    const info = (await (await fetch(`${server.url}/info`, { headers: auth })).json()) as {
      routes: string[];
      version: string;
    };
    const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual([...info.routes].sort());
    expect(document).toMatchObject({ openapi: '3.1.0', info: { version: info.version } });
    // Every schema in the document compiles (a typo in a keyword would not).
    for (const name of Object.keys(document.components.schemas))
      expect(() => ajv.compile(relative({ $ref: `#/components/schemas/${name}` }))).not.toThrow();
    // The keyless routes are exactly the ones documented without security.
    const keyless = documented.filter((route) => {
      const [method, path] = route.split(' ');
      return document.paths[path!]![method!.toLowerCase()]!.security?.length === 0;
    });
    expect(keyless.sort()).toEqual(['GET /health', 'GET /openapi.json', 'GET /ready']);
    expect((await fetch(`${server.url}/openapi`)).status).toBe(404);
  });

  test('every answer of a ready server matches the document, and the request schemas agree with the parsers', async () => {
    await checkAgainstDocument(server.url, EXCHANGES);
  });

  test("a loading server's 503s match the document", async () => {
    const service = createRerankService({ model: 'never-loads', log: false }, () => new Promise(() => undefined));
    const http = await serveNode(service.fetch, { port: 0 }, service);
    try {
      await checkAgainstDocument(http.url, WHILE_LOADING);
    } finally {
      await http.close(0);
    }
  });
});
