/**
 * Cohere's Rerank API, v1 and v2 (docs.cohere.com/reference/rerank). Errors are `{ "message": ... }`;
 * Cohere documents 400 for any invalid body and 404 for an unknown model, so validation is 400 here.
 */
import { ServiceError, type ServiceErrorCode, invalid, tooMany } from '../errors.js';
import { type ApiContext, type RankedResult, type RerankApi, type RerankRequest, isObject, typeName } from './types.js';

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

function checkModel(body: Record<string, unknown>, required: boolean, context: ApiContext): void {
  const model = body['model'];
  if (model === undefined || model === null) {
    if (required) throw invalid('invalid request: model is required');
    return;
  }
  if (typeof model !== 'string') throw invalid(`invalid request: model must be a string, got ${typeName(model)}`);
  if (!context.modelNames.includes('*') && !context.modelNames.includes(model)) {
    throw new ServiceError(
      'UNKNOWN_MODEL',
      `model '${model}' not found; this server serves: ${context.modelNames.join(', ')}`,
    );
  }
}

function parse(version: 1 | 2, body: unknown, context: ApiContext): RerankRequest {
  if (!isObject(body)) throw invalid(`invalid request: the body must be a JSON object, got ${typeName(body)}`);
  checkModel(body, version === 2, context);
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
  };
}

function cohereApi(version: 1 | 2): RerankApi {
  return {
    name: `cohere-v${version}`,
    parse: (body, context) => parse(version, body, context),
    respond(request: RerankRequest, results: RankedResult[]) {
      return {
        id: crypto.randomUUID(),
        results: results.map(({ index, score }) => ({
          index,
          relevance_score: score,
          ...(request.returnDocuments ? { document: { text: request.documents[index]! } } : {}),
        })),
        meta: { api_version: { version: String(version) }, billed_units: { search_units: 1 } },
      };
    },
    status: (error) => STATUS[error.code] ?? error.status,
    errorBody: (error) => ({ message: error.message }),
  };
}

export const cohereV1 = cohereApi(1);
export const cohereV2 = cohereApi(2);
