/**
 * The service's API description (OpenAPI 3.1), served at GET /openapi.json. Written by hand from the
 * parsers in api/ and the handler's routes, and held to them by test/server/openapi.test.ts, which checks
 * real answers (and which request bodies the parsers accept) against these schemas.
 */
const string = { type: 'string' } as const;
const optionalPositiveInteger = { type: ['integer', 'null'], minimum: 1 } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

const cohereDocuments = {
  type: 'array',
  minItems: 1,
  description: 'Passages to rank: strings, or objects whose `text` is ranked.',
  items: {
    oneOf: [string, { type: 'object', required: ['text'], properties: { text: string } }],
  },
};

const schemas = {
  CohereRerankRequestV1: {
    type: 'object',
    required: ['query', 'documents'],
    additionalProperties: false, // an unknown field is refused (400) rather than ignored
    properties: {
      model: {
        type: ['string', 'null'],
        description: 'One of the names the server serves (--model-name, rerank-* by default); optional in v1.',
      },
      query: { ...string, pattern: '\\S' },
      documents: cohereDocuments,
      top_n: optionalPositiveInteger,
      return_documents: { type: ['boolean', 'null'] },
      rank_fields: { enum: [null, ['text']], description: 'Only ["text"]: other fields are refused (400).' },
      max_chunks_per_doc: { type: 'null', description: 'Not supported: long documents are truncated (400 if set).' },
    },
  },
  CohereRerankRequestV2: {
    type: 'object',
    required: ['model', 'query', 'documents'],
    additionalProperties: false, // return_documents included: v2 never returns documents (400)
    properties: {
      model: { ...string, description: 'One of the names the server serves (--model-name, rerank-* by default).' },
      query: { ...string, pattern: '\\S' },
      documents: cohereDocuments,
      top_n: optionalPositiveInteger,
      max_tokens_per_doc: { ...optionalPositiveInteger, description: "Each document's tokens at most (default 4096)." },
      priority: {
        type: ['integer', 'null'],
        minimum: 0,
        description: 'Accepted; requests are served in arrival order.',
      },
    },
  },
  CohereRerankResponse: {
    type: 'object',
    required: ['id', 'results', 'meta'],
    properties: {
      id: string,
      results: {
        type: 'array',
        description: 'Best first; `relevance_score` is the sigmoid of the model logit.',
        items: {
          type: 'object',
          required: ['index', 'relevance_score'],
          additionalProperties: false,
          properties: {
            index: { type: 'integer', minimum: 0 },
            relevance_score: { type: 'number', minimum: 0, maximum: 1 },
            document: { type: 'object', required: ['text'], properties: { text: string } },
          },
        },
      },
      model: { ...string, description: "v1 only, for Jina's clients: the model the request named, or the served one." },
      usage: {
        type: 'object',
        description: "v1 only, for Jina's clients: tokens of every pair as the model read them.",
        required: ['total_tokens'],
        properties: { total_tokens: { type: 'integer', minimum: 1 } },
      },
      meta: {
        type: 'object',
        required: ['api_version', 'billed_units'],
        properties: {
          api_version: { type: 'object', required: ['version'], properties: { version: { enum: ['1', '2'] } } },
          billed_units: { type: 'object', properties: { search_units: { type: 'number' } } },
        },
      },
    },
  },
  CohereError: { type: 'object', required: ['message'], additionalProperties: false, properties: { message: string } },
  TeiRerankRequest: {
    type: 'object',
    required: ['query', 'texts'],
    properties: {
      query: { ...string, pattern: '\\S' },
      texts: { type: 'array', minItems: 1, items: string },
      raw_scores: { type: ['boolean', 'null'], description: 'Logits instead of sigmoid scores.' },
      return_text: { type: ['boolean', 'null'] },
      truncate: { type: ['boolean', 'null'], description: 'false (default): a pair over the model limit is a 413.' },
      truncation_direction: { enum: ['Right', 'right', null], description: '`Left` is not supported (422).' },
    },
  },
  TeiRerankResponse: {
    type: 'array',
    description: 'Best first.',
    items: {
      type: 'object',
      required: ['index', 'score'],
      additionalProperties: false,
      properties: { index: { type: 'integer', minimum: 0 }, score: { type: 'number' }, text: string },
    },
  },
  TeiError: {
    type: 'object',
    required: ['error', 'error_type'],
    additionalProperties: false,
    properties: {
      error: string,
      error_type: { enum: ['validation', 'empty', 'unauthorized', 'overloaded', 'unhealthy', 'backend'] },
    },
  },
  Error: { type: 'object', required: ['error'], additionalProperties: false, properties: { error: string } },
  Status: {
    type: 'object',
    required: ['status'],
    additionalProperties: false,
    properties: { status: { enum: ['loading', 'ready', 'draining', 'stopped', 'failed'] } },
  },
  Info: {
    type: 'object',
    required: ['model_id', 'model_dtype', 'state', 'max_input_length', 'version', 'routes'],
    properties: {
      model_id: { ...string, description: "The model's name; a local folder's last segment unless --info-model-path." },
      model_names: { type: 'array', items: string },
      model_dtype: string,
      model_type: { type: 'object' },
      state: { enum: ['loading', 'ready', 'draining', 'stopped', 'failed'] },
      max_input_length: { type: ['integer', 'null'] },
      max_batch_tokens: { type: 'integer' },
      max_batch_requests: { type: ['integer', 'null'] },
      max_client_batch_size: { type: 'integer' },
      max_queued_pairs: { type: 'integer' },
      cross_request_batching: { type: 'boolean' },
      request_timeout_ms: { type: ['integer', 'null'] },
      version: string,
      routes: { type: 'array', items: { ...string, pattern: '^(GET|POST) /' } },
    },
  },
} as const;

type SchemaName = keyof typeof schemas;

/** The statuses a rerank route can answer with, from the service's codes and the API's own mapping. */
function rerankResponses(ok: SchemaName, error: SchemaName, statuses: number[], summary: string) {
  const responses: Record<string, unknown> = { 200: { description: summary, content: json(ref(ok)) } };
  for (const status of statuses) responses[status] = { description: statusText(status), content: json(ref(error)) };
  return responses;
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Invalid body (Cohere: any invalid request).',
    401: 'Missing or wrong key (Authorization: Bearer).',
    404: 'Unknown model name.',
    413: 'Body, document count or input length over a limit.',
    422: 'A field of the wrong type (TEI).',
    424: 'The model run failed (TEI "backend").',
    429: 'Queue full; Retry-After says when to retry.',
    499: 'The client closed the request (logs and metrics only).',
    500: 'The model run failed.',
    503: 'Loading, draining or timed out; Retry-After.',
  };
  return texts[status] ?? 'Error.';
}

const cohereStatuses = [400, 401, 404, 413, 429, 500, 503];
const teiStatuses = [400, 401, 413, 422, 424, 429, 503];
const bearer = [{ bearer: [] }];
const keyless: never[] = [];

export function openApiDocument(version: string): Record<string, unknown> {
  const status = (description: string) => ({ description, content: json(ref('Status')) });
  return {
    openapi: '3.1.0',
    info: {
      title: 'ko-rerank edge service',
      version,
      description:
        'Cross-encoder reranking over HTTP in the request shapes of Cohere (v1, v2) and text-embeddings-inference. ' +
        'Every route but the probes and this document needs the key when the server has one.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas,
    },
    security: bearer,
    paths: {
      '/v1/rerank': {
        post: {
          summary: 'Cohere Rerank v1',
          requestBody: { required: true, content: json(ref('CohereRerankRequestV1')) },
          responses: rerankResponses('CohereRerankResponse', 'CohereError', cohereStatuses, 'Ranked results.'),
        },
      },
      '/v2/rerank': {
        post: {
          summary: 'Cohere Rerank v2',
          requestBody: { required: true, content: json(ref('CohereRerankRequestV2')) },
          responses: rerankResponses('CohereRerankResponse', 'CohereError', cohereStatuses, 'Ranked results.'),
        },
      },
      '/rerank': {
        post: {
          summary: 'text-embeddings-inference rerank',
          requestBody: { required: true, content: json(ref('TeiRerankRequest')) },
          responses: rerankResponses('TeiRerankResponse', 'TeiError', teiStatuses, 'Ranked results.'),
        },
      },
      '/health': {
        get: {
          summary: 'Liveness: 200 while the model is loaded, draining included.',
          security: keyless,
          responses: { 200: status('Alive.'), 503: status('Loading, failed or stopped.') },
        },
      },
      '/ready': {
        get: {
          summary: 'Readiness: 200 only while taking new requests (503 from the first moment of a drain).',
          security: keyless,
          responses: { 200: status('Ready.'), 503: status('Not ready.') },
        },
      },
      '/info': {
        get: {
          summary: 'Model, limits and routes (TEI /info fields where they exist).',
          responses: { 200: { description: 'Info.', content: json(ref('Info')) }, 401: errorResponse(401) },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus text exposition: te_* (TEI names) and rerank_* series.',
          responses: {
            200: { description: 'Metrics.', content: { 'text/plain': { schema: string } } },
            401: errorResponse(401),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document.',
          security: keyless,
          responses: { 200: { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) } },
        },
      },
    },
  };
}

function errorResponse(status: number): unknown {
  return { description: statusText(status), content: json(ref('Error')) };
}
