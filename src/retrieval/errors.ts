/**
 * Typed errors of the lexical index. src/retrieval may not import src/engine (eslint.config.js
 * LAYERS), so it cannot throw the engine's InvalidInputError; this one has the same name and `code`,
 * so a caller handles a bad argument the same way whichever layer refused it.
 */
import { CodedError } from '../errors/coded-error.js';

/** A caller passed something the index cannot use; the message names the argument. */
export class InvalidInputError extends CodedError<'INVALID_INPUT'> {
  override name = 'InvalidInputError';
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

/** What a bad argument was, for messages: its type, or null (typeof says "object"). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function requireString(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string')
    throw new InvalidInputError(`${argument} must be a string, got ${describeType(value)}`);
}
