/** Checks of caller input, each failure a typed error that names the problem. */
import { InvalidInputError, LimitExceededError } from './errors.js';
import type { Activation, DetailedRankOptions, LongPassageStrategy, TruncationRule } from './types.js';

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
    throw new LimitExceededError(
      `query has ${query.length} characters, more than the limit of ${limits.maxCharacters}`,
    );
  }
  return query;
}

export function checkDocuments(documents: unknown, limits: Limits): string[] {
  if (!Array.isArray(documents))
    throw new InvalidInputError(`documents must be an array of strings, got ${typeName(documents)}`);
  if (documents.length > limits.maxDocuments) {
    throw new LimitExceededError(`${documents.length} documents is more than the limit of ${limits.maxDocuments}`);
  }
  // A plain loop: forEach and map skip holes, and a hole would be scored as a document that does not exist.
  for (let i = 0; i < documents.length; i++) {
    if (!(i in documents)) throw new InvalidInputError(`documents[${i}] is missing (the array has a hole)`);
    const document: unknown = documents[i];
    if (typeof document !== 'string')
      throw new InvalidInputError(`documents[${i}] must be a string, got ${typeName(document)}`);
    if (document.length > limits.maxCharacters) {
      throw new LimitExceededError(
        `documents[${i}] has ${document.length} characters, more than the limit of ${limits.maxCharacters}`,
      );
    }
  }
  return documents as string[];
}

export function checkPairs(pairs: unknown, limits: Limits): Array<[string, string]> {
  if (!Array.isArray(pairs))
    throw new InvalidInputError(`pairs must be an array of [query, passage], got ${typeName(pairs)}`);
  if (pairs.length > limits.maxDocuments)
    throw new LimitExceededError(`${pairs.length} pairs is more than the limit of ${limits.maxDocuments}`);
  const checked: Array<[string, string]> = [];
  for (let i = 0; i < pairs.length; i++) {
    if (!(i in pairs)) throw new InvalidInputError(`pairs[${i}] is missing (the array has a hole)`);
    const pair: unknown = pairs[i];
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new InvalidInputError(`pairs[${i}] must be a [query, passage] array`);
    const [query, passage] = pair as unknown[];
    try {
      checkQuery(query, limits);
    } catch (error) {
      if (error instanceof Error) error.message = `pairs[${i}]: ${error.message}`;
      throw error;
    }
    if (!(1 in pair)) throw new InvalidInputError(`pairs[${i}] has no passage (the array has a hole)`);
    checkDocuments([passage], limits);
    checked.push([query as string, passage as string]);
  }
  return checked;
}

/** The options argument: absent is fine, anything but a plain object (null, a string, an array) is refused. */
export function checkOptions<T extends object>(options: T | undefined | null): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidInputError(`options must be an object, got ${typeName(options)}`);
  }
  return options;
}

/** An AbortSignal or nothing: a look-alike object would never abort, and a string would fail deep inside. */
export function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof AbortSignal === 'undefined' || !(value instanceof AbortSignal)) {
    throw new InvalidInputError(`signal must be an AbortSignal, got ${typeName(value)}`);
  }
  return value;
}

/** A non-empty string option (model id, host): numbers and objects would fail later with an untyped error. */
export function nonEmptyString(name: string, value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(`${name} must be a non-empty string (${what}), got ${typeName(value)}`);
  }
  return value;
}

export function positiveInteger(name: string, value: unknown, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new InvalidInputError(`${name} must be an integer of at least ${minimum}, got ${String(value)}`);
  }
  return value;
}

/** A finite number above zero (a time, a size), or the fallback when absent. */
export function positiveNumber(name: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** A function option (a callback), or undefined. */
export function optionalFunction<T extends (...args: never[]) => unknown>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidInputError(`${name} must be a function, got ${typeName(value)}`);
  return value as T;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidInputError(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'none', 'softmax'];
export const LONG_PASSAGE_STRATEGIES: readonly LongPassageStrategy[] = ['truncate', 'windows', 'focus'];
export const TRUNCATION_RULES: readonly TruncationRule[] = ['passage-first', 'longest-first'];

/**
 * The options of rank, rankDetailed and score, as far as they can be checked without a model (the
 * least maxLength, the most batchTokens and windowOverlap's bound depend on it and stay with the
 * engine). The browser and edge clients run it before a call leaves the page, so a bad option fails
 * there with the engine's own error and message instead of as a TypeError or a DataCloneError.
 */
export function checkCallOptions<T extends DetailedRankOptions>(options: T | undefined | null): Partial<T> {
  const checked = checkOptions(options);
  checkSignal(checked.signal);
  positiveInteger('topK', checked.topK, 1);
  oneOf('activation', checked.activation, ACTIVATIONS, 'sigmoid');
  optionalFunction('onPartial', checked.onPartial);
  positiveNumber('budgetMs', checked.budgetMs, undefined);
  positiveInteger('maxLength', checked.maxLength, 1);
  positiveInteger('batchTokens', checked.batchTokens, 1);
  oneOf('longPassages', checked.longPassages, LONG_PASSAGE_STRATEGIES, 'truncate');
  positiveInteger('windowOverlap', checked.windowOverlap, 0, 0);
  oneOf('truncation', checked.truncation, TRUNCATION_RULES, 'passage-first');
  return checked;
}
