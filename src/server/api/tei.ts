/**
 * Hugging Face text-embeddings-inference's `POST /rerank`. Errors are `{ "error", "error_type" }` with
 * TEI's statuses: empty input 400 (`empty`), too many texts or a too-long input 413 (`validation`),
 * overload 429 (`overloaded`), not ready 503 (`unhealthy`); a field of the wrong type 422, as TEI's JSON
 * extractor answers.
 */
import { type ServiceErrorCode, empty, invalid, tooMany } from '../errors.js';
import { type ApiContext, type RankedResult, type RerankApi, type RerankRequest, isObject, typeName } from './types.js';

function optionalBoolean(body: Record<string, unknown>, field: string): boolean {
  const value = body[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalid(`${field}: invalid type: ${typeName(value)}, expected a boolean`);
  return value;
}

/** TEI's rerank fields. Another field is refused (422, in serde's words) rather than silently ignored. */
const FIELDS = ['query', 'texts', 'raw_scores', 'return_text', 'truncate', 'truncation_direction'];

function parse(body: unknown, context: ApiContext): RerankRequest {
  if (!isObject(body)) throw invalid(`invalid type: ${typeName(body)}, expected struct RerankRequest`);
  const unknown = Object.keys(body).find((field) => !FIELDS.includes(field));
  if (unknown !== undefined)
    throw invalid(`unknown field \`${unknown}\`, expected one of ${FIELDS.map((f) => `\`${f}\``).join(', ')}`);
  const query = body['query'];
  if (typeof query !== 'string')
    throw invalid(
      query === undefined ? 'missing field `query`' : `query: invalid type: ${typeName(query)}, expected a string`,
    );
  const texts = body['texts'];
  if (!Array.isArray(texts))
    throw invalid(
      texts === undefined ? 'missing field `texts`' : `texts: invalid type: ${typeName(texts)}, expected a sequence`,
    );
  texts.forEach((text, i) => {
    if (typeof text !== 'string') throw invalid(`texts[${i}]: invalid type: ${typeName(text)}, expected a string`);
  });
  if (query.trim() === '') throw empty('`query` cannot be empty');
  if (texts.length === 0) throw empty('`texts` cannot be empty');
  if (texts.length > context.maxDocuments)
    throw tooMany(`batch size ${texts.length} > maximum allowed batch size ${context.maxDocuments}`);
  for (const [i, text] of [query, ...(texts as string[])].entries()) {
    if (text.length > context.maxCharacters)
      throw tooMany(
        `${i === 0 ? 'query' : `texts[${i - 1}]`} has ${text.length} characters, the limit is ${context.maxCharacters}`,
      );
  }
  const direction = body['truncation_direction'];
  if (direction !== undefined && direction !== null) {
    if (typeof direction !== 'string' || !['right', 'left'].includes(direction.toLowerCase())) {
      throw invalid('truncation_direction: unknown variant, expected `Right` or `Left`');
    }
    // The engine fits pairs by cutting the passage's end (the reference tokenizers' rule); cutting its start is not built.
    if (direction.toLowerCase() === 'left')
      throw invalid('truncation_direction `Left` is not supported by this server; use `Right`');
  }
  return {
    query,
    documents: texts as string[],
    topN: texts.length,
    rawScores: optionalBoolean(body, 'raw_scores'),
    returnDocuments: optionalBoolean(body, 'return_text'),
    refuseTooLong: !optionalBoolean(body, 'truncate'),
  };
}

/** TEI's `error_type` and, where it differs from the service's, its status, for every code. */
const ERRORS: Record<ServiceErrorCode, { type: string; status?: number }> = {
  MALFORMED_BODY: { type: 'validation' },
  INVALID_INPUT: { type: 'validation' },
  EMPTY_INPUT: { type: 'empty' },
  BODY_TOO_LARGE: { type: 'validation' },
  LIMIT_EXCEEDED: { type: 'validation' },
  INPUT_TOO_LONG: { type: 'validation' },
  UNKNOWN_MODEL: { type: 'validation' },
  UNAUTHORIZED: { type: 'unauthorized' },
  OVERLOADED: { type: 'overloaded' },
  UNAVAILABLE: { type: 'unhealthy' },
  REQUEST_TIMEOUT: { type: 'unhealthy' },
  ABORTED: { type: 'validation' },
  // TEI's "backend" status: the model failed, not the server.
  INTERNAL: { type: 'backend', status: 424 },
};

export const tei: RerankApi = {
  name: 'tei',
  parse,
  respond(request: RerankRequest, results: RankedResult[]) {
    return results.map(({ index, score }) => ({
      index,
      score,
      ...(request.returnDocuments ? { text: request.documents[index]! } : {}),
    }));
  },
  status: (error) => ERRORS[error.code].status ?? error.status,
  errorBody: (error) => ({ error: error.message, error_type: ERRORS[error.code].type }),
};
