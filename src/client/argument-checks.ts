/**
 * The browser client's checks of its arguments, made of the engine's own (engine/validation.ts): a bad
 * argument fails in the page with the same typed error and message as in Node, before anything is
 * posted to the worker (where it would fail as a TypeError, or as a DataCloneError that names nothing).
 */
import { InvalidInputError } from '../engine/errors.js';
import type { DetailedRankOptions, ScoreOptions } from '../engine/types.js';
import {
  type Limits,
  checkCallOptions,
  checkDocuments,
  checkPairs,
  checkQuery,
  checkSignal,
  nonEmptyString,
  optionalFunction,
} from '../engine/validation.js';

/**
 * Types and shapes only: the document and length limits are the loaded engine's, which applies them in
 * the worker (a call within them by type crosses safely and is refused there with LimitExceededError).
 */
const SHAPE_ONLY: Limits = { maxDocuments: Infinity, maxCharacters: Infinity };

/** What the client itself reads from a load's options before the worker sees them. */
interface LoadArguments {
  model: string;
  signal?: AbortSignal;
  onProgress?: unknown;
}

/** createReranker's and switchModel's options: an object naming a model, with a real signal and callback. */
export function checkLoadArguments<T extends LoadArguments>(options: T | undefined | null, caller: string): T {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new InvalidInputError(`${caller} needs an options object with a model`);
  nonEmptyString('model', options.model, 'a model id, a URL, or a label for picked files');
  checkSignal(options.signal);
  optionalFunction('onProgress', options.onProgress);
  return options;
}

/** rank's and rankDetailed's arguments; returns the checked options (absent options as {}). */
export function checkRankArguments<T extends DetailedRankOptions>(
  query: unknown,
  documents: unknown,
  options: T | undefined | null,
): Partial<T> {
  const checked = checkCallOptions(options);
  checkQuery(query, SHAPE_ONLY);
  checkDocuments(documents, SHAPE_ONLY);
  return checked;
}

/** score's arguments; returns the checked options (absent options as {}). */
export function checkScoreArguments<T extends ScoreOptions>(pairs: unknown, options: T | undefined | null): Partial<T> {
  const checked = checkCallOptions(options);
  checkPairs(pairs, SHAPE_ONLY);
  return checked;
}
