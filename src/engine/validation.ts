/** Checks of caller input, each failure a typed error that names the problem. */
import { InvalidInputError, LimitExceededError } from './errors.js';
import type { Activation, LongPassageStrategy, TruncationRule } from './types.js';

export interface Limits {
  maxDocuments: number;
  maxCharacters: number;
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

export function checkQuery(query: unknown, limits: Limits): string {
  if (typeof query !== 'string') throw new InvalidInputError(`query must be a string, got ${typeName(query)}`);
  if (query.trim().length === 0) throw new InvalidInputError('query is empty');
  if (query.length > limits.maxCharacters) {
    throw new LimitExceededError(`query has ${query.length} characters, more than the limit of ${limits.maxCharacters}`);
  }
  return query;
}

export function checkDocuments(documents: unknown, limits: Limits): string[] {
  if (!Array.isArray(documents)) throw new InvalidInputError(`documents must be an array of strings, got ${typeName(documents)}`);
  if (documents.length > limits.maxDocuments) {
    throw new LimitExceededError(`${documents.length} documents is more than the limit of ${limits.maxDocuments}`);
  }
  documents.forEach((document, i) => {
    if (typeof document !== 'string') throw new InvalidInputError(`documents[${i}] must be a string, got ${typeName(document)}`);
    if (document.length > limits.maxCharacters) {
      throw new LimitExceededError(`documents[${i}] has ${document.length} characters, more than the limit of ${limits.maxCharacters}`);
    }
  });
  return documents as string[];
}

export function checkPairs(pairs: unknown, limits: Limits): Array<[string, string]> {
  if (!Array.isArray(pairs)) throw new InvalidInputError(`pairs must be an array of [query, passage], got ${typeName(pairs)}`);
  if (pairs.length > limits.maxDocuments) throw new LimitExceededError(`${pairs.length} pairs is more than the limit of ${limits.maxDocuments}`);
  return pairs.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidInputError(`pairs[${i}] must be a [query, passage] array`);
    const [query, passage] = pair as unknown[];
    try {
      checkQuery(query, limits);
    } catch (error) {
      if (error instanceof Error) error.message = `pairs[${i}]: ${error.message}`;
      throw error;
    }
    checkDocuments([passage], limits);
    return [query as string, passage as string];
  });
}

export function positiveInteger(name: string, value: unknown, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new InvalidInputError(`${name} must be an integer of at least ${minimum}, got ${String(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidInputError(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'none', 'softmax'];
export const LONG_PASSAGE_STRATEGIES: readonly LongPassageStrategy[] = ['truncate', 'windows'];
export const TRUNCATION_RULES: readonly TruncationRule[] = ['passage-first', 'longest-first'];
