/** What an API schema (Cohere v1/v2, TEI) turns a request into, and what it needs to answer. */
import type { ServiceError } from '../errors.js';

export interface RerankRequest {
  query: string;
  documents: string[];
  /** Results to return, 1..documents.length. */
  topN: number;
  /** Raw logits instead of sigmoid scores. */
  rawScores: boolean;
  returnDocuments: boolean;
  /** Cohere v2's max_tokens_per_doc: the document is cut to this many tokens. */
  maxTokensPerDoc?: number;
  /** TEI's truncate: false: a pair longer than the model takes is refused (413) rather than cut. */
  refuseTooLong: boolean;
  /** The `model` the request named, if any (Jina's v1 answer echoes it). */
  model?: string;
  /** The request's `model` when a pattern (`rerank-*`), not a name, let it in: the handler logs it once. */
  modelAlias?: { requested: string; pattern: string };
}

/** What the model read for a request: Jina's v1 answer reports it as `usage`. */
export interface Usage {
  /** Tokens of every (query, document) pair as the model read them, special tokens included. */
  totalTokens: number;
  /** The served model's name, for an answer to a request that named none. */
  servedModel: string;
}

export interface RankedResult {
  index: number;
  score: number;
}

export interface ApiContext {
  maxDocuments: number;
  maxCharacters: number;
  /** Model names a request may ask for; a name ending in '*' is a prefix ('rerank-*'), '*' accepts any. */
  modelNames: readonly string[];
}

/** How `requested` is let in: its exact name, the pattern that matches it, or undefined (not served). */
export function matchModelName(names: readonly string[], requested: string): 'exact' | string | undefined {
  if (names.includes(requested)) return 'exact';
  return names.find((name) => name.endsWith('*') && requested.startsWith(name.slice(0, -1)));
}

export interface RerankApi {
  /** Label for logs and metrics. */
  readonly name: string;
  parse(body: unknown, context: ApiContext): RerankRequest;
  respond(request: RerankRequest, results: RankedResult[], usage: Usage): unknown;
  /** The API's status for an error kind (schemas disagree: Cohere answers validation with 400, TEI 413/422). */
  status(error: ServiceError): number;
  errorBody(error: ServiceError): unknown;
}

export function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
