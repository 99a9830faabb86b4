/**
 * Errors of the edge service. Each carries the HTTP status it maps to and a kind that the API
 * formatters (Cohere, TEI) translate into their own error body; nothing here knows those shapes.
 */
export type ServiceErrorKind =
  | 'malformed' // body is not JSON
  | 'invalid' // a field is missing, of the wrong type or out of range
  | 'empty' // empty query or document list (TEI has its own type for this)
  | 'too_large' // body over the byte limit
  | 'too_many' // more documents than the limit
  | 'too_long' // a pair longer than the model takes, and the request forbade truncation
  | 'unknown_model'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'overloaded' // queue full: 429 with Retry-After
  | 'unavailable' // model not ready yet, or draining for shutdown
  | 'timeout' // the request waited and ran longer than its time limit
  | 'cancelled' // the client went away; nobody reads the answer
  | 'internal';

export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly kind: ServiceErrorKind,
    readonly status: number,
    message: string,
    /** Seconds, sent as Retry-After (429, 503). */
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalid = (message: string) => new ServiceError('invalid', 422, message);
export const empty = (message: string) => new ServiceError('empty', 400, message);
export const tooLarge = (message: string) => new ServiceError('too_large', 413, message);
export const tooMany = (message: string) => new ServiceError('too_many', 413, message);
export const tooLong = (message: string) => new ServiceError('too_long', 413, message);

export class OverloadedError extends ServiceError {
  override name = 'OverloadedError';
  constructor(message: string, retryAfter: number) {
    super('overloaded', 429, message, retryAfter);
  }
}

export class UnavailableError extends ServiceError {
  override name = 'UnavailableError';
  constructor(message: string, retryAfter = 1) {
    super('unavailable', 503, message, retryAfter);
  }
}

export class TimeoutError extends ServiceError {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super('timeout', 503, `the request did not finish within ${ms} ms`, 1);
  }
}

export class CancelledError extends ServiceError {
  override name = 'CancelledError';
  constructor() {
    // 499 is nginx's "client closed request": only logs and metrics ever see it.
    super('cancelled', 499, 'the client closed the request');
  }
}
