/**
 * Errors of the edge service. Each carries a code from the project's vocabulary
 * (src/errors/error-codes.ts) and the HTTP status that code maps to here; the API formatters (Cohere,
 * TEI) translate the code into their own status and error body; nothing here knows those shapes.
 */
import { CodedError } from '../errors/coded-error.js';

/** The service's HTTP status for each code it throws; an API may answer another (src/server/api/). */
export const SERVICE_STATUS = {
  MALFORMED_BODY: 400,
  INVALID_INPUT: 422,
  EMPTY_INPUT: 400,
  BODY_TOO_LARGE: 413,
  LIMIT_EXCEEDED: 413,
  INPUT_TOO_LONG: 413,
  UNKNOWN_MODEL: 404,
  UNAUTHORIZED: 401,
  OVERLOADED: 429,
  UNAVAILABLE: 503,
  REQUEST_TIMEOUT: 503,
  // nginx's "client closed request": only logs and metrics ever see it.
  ABORTED: 499,
  INTERNAL: 500,
} as const;

export type ServiceErrorCode = keyof typeof SERVICE_STATUS;

export class ServiceError extends CodedError<ServiceErrorCode> {
  override name = 'ServiceError';
  readonly status: number;
  /** Seconds, sent as Retry-After (429, 503). */
  readonly retryAfter?: number;
  constructor(code: ServiceErrorCode, message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(code, message, options);
    this.status = SERVICE_STATUS[code];
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

export const invalid = (message: string) => new ServiceError('INVALID_INPUT', message);
export const empty = (message: string) => new ServiceError('EMPTY_INPUT', message);
export const tooLarge = (message: string) => new ServiceError('BODY_TOO_LARGE', message);
export const tooMany = (message: string) => new ServiceError('LIMIT_EXCEEDED', message);
export const tooLong = (message: string) => new ServiceError('INPUT_TOO_LONG', message);

export class OverloadedError extends ServiceError {
  override name = 'OverloadedError';
  constructor(message: string, retryAfter: number) {
    super('OVERLOADED', message, { retryAfter });
  }
}

export class UnavailableError extends ServiceError {
  override name = 'UnavailableError';
  constructor(message: string, retryAfter = 1) {
    super('UNAVAILABLE', message, { retryAfter });
  }
}

export class TimeoutError extends ServiceError {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super('REQUEST_TIMEOUT', `the request did not finish within ${ms} ms`, { retryAfter: 1 });
  }
}

export class CancelledError extends ServiceError {
  override name = 'CancelledError';
  constructor() {
    super('ABORTED', 'the client closed the request');
  }
}
