/**
 * Cohere's Rerank API, v1 and v2 (docs.cohere.com/reference/rerank). Errors are `{ "message": ... }`;
 * Cohere documents 400 for any invalid body and 404 for an unknown model, so validation is 400 here.
 */
import { ServiceError, type ServiceErrorCode, invalid, tooMany } from '../errors.js';
import {
  type ApiContext,
  type RankedResult,
  type RerankApi,
  type RerankRequest,
  type Usage,
  isObject,
  matchModelName,
  typeName,
} from './types.js';

/** Cohere answers 400 for any invalid body; every other code keeps the service's status. */
const STATUS: Partial<Record<ServiceErrorCode, number>> = {
  INVALID_INPUT: 400,
  EMPTY_INPUT: 400,
  LIMIT_EXCEEDED: 400,
  INPUT_TOO_LONG: 400,
};

/** Cohere's own default for v2's max_tokens_per_doc; the model's limit usually binds first. */
const DEFAULT_MAX_TOKENS_PER_DOC = 4096;

function documentText(value: unknown, i: number): string {
  if (typeof value === 'string') return value;
  // v1 also takes objects; without rank_fields Cohere ranks their `text` field.
  if (isObject(value) && typeof value['text'] === 'string') return value['text'];
  throw invalid(
    `invalid request: documents[${i}] must be a string or an object with a string "text", got ${typeName(value)}`,
  );
}

function optionalPositiveInteger(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(
      `invalid request: ${field} must be a positive integer, got ${typeName(value) === 'number' ? value : typeName(value)}`,
    );
  }
  return value;
}

/** The model a request names, checked against the served names; an alias when a pattern let it in. */
function checkModel(
  body: Record<string, unknown>,
  required: boolean,
  context: ApiContext,
): RerankRequest['modelAlias'] | undefined {
  const model = body['model'];
  if (model === undefined || model === null) {
    if (required) throw invalid('invalid request: model is required');
    return undefined;
  }
  if (typeof model !== 'string') throw invalid(`invalid request: model must be a string, got ${typeName(model)}`);
  const match = matchModelName(context.modelNames, model);
  if (match === undefined) {
    throw new ServiceError(
      'UNKNOWN_MODEL',
      `model '${model}' not found; this server serves: ${context.modelNames.join(', ')}`,
    );
  }
  return match === 'exact' ? undefined : { requested: model, pattern: match };
}

/**
 * Every field of Cohere's request, per version (the cohere-ai SDK's V2RerankRequest and RerankRequest).
 * A field outside these is refused, not ignored: a client must not believe a setting took effect.
 */
const FIELDS: Record<1 | 2, readonly string[]> = {
  1: ['model', 'query', 'documents', 'top_n', 'return_documents', 'rank_fields', 'max_chunks_per_doc'],
  2: ['model', 'query', 'documents', 'top_n', 'max_tokens_per_doc', 'priority'],
};

/** Fields Cohere defines but this server cannot honour, with what to do instead. */
function refuseUnsupported(version: 1 | 2, body: Record<string, unknown>): void {
  for (const field of Object.keys(body)) {
    if (FIELDS[version].includes(field)) continue;
    if (version === 2 && field === 'return_documents')
      throw invalid(
        'invalid request: return_documents is not part of the v2 Rerank API (v2 never returns documents); use /v1/rerank to get them back',
      );
    throw invalid(`invalid request: unknown field ${field}; v${version} takes ${FIELDS[version].join(', ')}`);
  }
  const fields = body['rank_fields'];
  if (
    fields !== undefined &&
    fields !== null &&
    !(Array.isArray(fields) && fields.length === 1 && fields[0] === 'text')
  )
    throw invalid('invalid request: rank_fields other than ["text"] is not supported; send each document as its text');
  if (body['max_chunks_per_doc'] !== undefined && body['max_chunks_per_doc'] !== null)
    throw invalid(
      'invalid request: max_chunks_per_doc is not supported (a long document is truncated to the model, not chunked); leave it out',
    );
  const priority = body['priority'];
  // Accepted: every request is served in arrival order, which is what priority 0 (the default) asks for.
  if (priority !== undefined && priority !== null && !(Number.isInteger(priority) && (priority as number) >= 0))
    throw invalid(`invalid request: priority must be a non-negative integer, got ${JSON.stringify(priority)}`);
}

function parse(version: 1 | 2, body: unknown, context: ApiContext): RerankRequest {
  if (!isObject(body)) throw invalid(`invalid request: the body must be a JSON object, got ${typeName(body)}`);
  const modelAlias = checkModel(body, version === 2, context);
  refuseUnsupported(version, body);
  const query = body['query'];
  if (typeof query !== 'string') throw invalid(`invalid request: query must be a string, got ${typeName(query)}`);
  if (query.trim() === '') throw invalid('invalid request: query must not be empty');
  if (query.length > context.maxCharacters)
    throw invalid(`invalid request: query has ${query.length} characters, the limit is ${context.maxCharacters}`);
  const raw = body['documents'];
  if (!Array.isArray(raw)) throw invalid(`invalid request: documents must be a list, got ${typeName(raw)}`);
  if (raw.length === 0) throw invalid('invalid request: list of documents must not be empty');
  if (raw.length > context.maxDocuments)
    throw tooMany(`invalid request: ${raw.length} documents, the limit is ${context.maxDocuments}`);
  const documents = raw.map(documentText);
  documents.forEach((d, i) => {
    if (d.length > context.maxCharacters)
      throw invalid(
        `invalid request: documents[${i}] has ${d.length} characters, the limit is ${context.maxCharacters}`,
      );
  });
  const topN = optionalPositiveInteger(body, 'top_n');
  let returnDocuments = false;
  if (version === 1 && body['return_documents'] !== undefined && body['return_documents'] !== null) {
    if (typeof body['return_documents'] !== 'boolean')
      throw invalid('invalid request: return_documents must be a boolean');
    returnDocuments = body['return_documents'];
  }
  return {
    query,
    documents,
    topN: Math.min(topN ?? documents.length, documents.length), // Cohere clamps a top_n above the list
    rawScores: false,
    returnDocuments,
    maxTokensPerDoc:
      version === 2 ? (optionalPositiveInteger(body, 'max_tokens_per_doc') ?? DEFAULT_MAX_TOKENS_PER_DOC) : undefined,
    refuseTooLong: false,
    ...(typeof body['model'] === 'string' ? { model: body['model'] } : {}),
    ...(modelAlias ? { modelAlias } : {}),
  };
}

function cohereApi(version: 1 | 2): RerankApi {
  return {
    name: `cohere-v${version}`,
    parse: (body, context) => parse(version, body, context),
    respond(request: RerankRequest, results: RankedResult[], usage: Usage) {
      return {
        id: crypto.randomUUID(),
        results: results.map(({ index, score }) => ({
          index,
          relevance_score: score,
          ...(request.returnDocuments ? { document: { text: request.documents[index]! } } : {}),
        })),
        meta: { api_version: { version: String(version) }, billed_units: { search_units: 1 } },
        // Jina's rerank API shares v1's path and request: its clients read these two fields as well.
        ...(version === 1
          ? { model: request.model ?? usage.servedModel, usage: { total_tokens: usage.totalTokens } }
          : {}),
      };
    },
    status: (error) => STATUS[error.code] ?? error.status,
    errorBody: (error) => ({ message: error.message }),
  };
}

export const cohereV1 = cohereApi(1);
export const cohereV2 = cohereApi(2);
