/**
 * The engine's error classes as the package publishes them: the whole errors module (classes only, so a
 * new class is published without another edit), re-exported by the engine's, the
 * client's and so both entries' public lists. `CodedError` is the one `instanceof` check for every error
 * of the project; `ErrorCode` is the union of every code (src/errors/error-codes.ts says what each means).
 */
export { CodedError, type ErrorCode } from '../errors/coded-error.js';
export * from './errors.js';
