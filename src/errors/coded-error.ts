/**
 * The base of every error class in the project: an Error with a `code` from the one vocabulary
 * (error-codes.ts). A subclass narrows `C` to the codes it throws; a code outside the vocabulary
 * does not compile.
 */
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    // No `cause` key at all when there is none, as a plain `new Error(message)` has.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
