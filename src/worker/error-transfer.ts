/**
 * Comlink copies only name/message/stack of a thrown Error. This handler carries our typed errors
 * across the worker boundary whole (class, name, code, file and any other own fields, stack, cause
 * chain), and plain errors too. It must be installed on both sides.
 *
 * The classes it can revive are every error class src/engine/errors.ts exports (RERANKER_ERROR_CLASSES,
 * derived from the module itself): a new error class is the class, and nothing here. An error whose class is not registered arrives
 * as its nearest registered ancestor (a RerankerError subclass as RerankerError), keeping its name
 * and fields.
 */
import * as Comlink from 'comlink';
import * as engineErrors from '../engine/errors.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Every error class the engine's errors module exports, under its export name: a namespace's keys are
 * export names, which minifiers keep (a class's own `name` they may not).
 */
export const RERANKER_ERROR_CLASSES: Readonly<Record<string, ErrorClass>> = Object.fromEntries(
  Object.entries(engineErrors as Record<string, unknown>).filter(
    (entry): entry is [string, ErrorClass] =>
      typeof entry[1] === 'function' && (entry[1] as ErrorClass).prototype instanceof Error,
  ),
);

/** The registry, plus the built-in classes that runtimes and libraries throw; keys are wire names. */
const REVIVABLE: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  ...RERANKER_ERROR_CLASSES,
};
const KEY_OF_CLASS = new Map<unknown, string>(Object.entries(REVIVABLE).map(([key, errorClass]) => [errorClass, key]));

/** Own fields worth carrying: the structured-clone-safe scalars (code, file, tensor, status, ...). */
type Fields = Record<string, string | number | boolean>;

export interface SerializedError {
  /** Registry key of the nearest registered class in the error's prototype chain. */
  type: string;
  name: string;
  message: string;
  stack?: string;
  fields: Fields;
  cause?: SerializedError | string;
}

const MAX_CAUSE_DEPTH = 5;

function registeredKey(error: Error): string {
  for (let proto: unknown = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    const key = KEY_OF_CLASS.get((proto as { constructor?: unknown }).constructor);
    if (key !== undefined) return key;
  }
  return 'Error';
}

function ownFields(error: Error): Fields {
  const fields: Fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

/** A thrown value as plain data that structured clone carries; anything but an Error becomes its text. */
export function serializeError(error: unknown, depth = 0): SerializedError | string {
  if (!(error instanceof Error)) return String(error);
  const out: SerializedError = {
    type: registeredKey(error),
    name: error.name,
    message: error.message,
    fields: ownFields(error),
  };
  if (error.stack !== undefined) out.stack = error.stack;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

/**
 * The error again, as an instance of its registered class. Built the way `Error` builds one, with the
 * class's prototype, rather than through the class's constructor: constructors differ (and compose
 * their messages), while the data to restore is the same for all of them.
 */
export function reviveError(data: SerializedError | string): Error | string {
  if (typeof data === 'string') return data;
  const errorClass = Object.hasOwn(REVIVABLE, data.type) ? REVIVABLE[data.type]! : Error;
  const cause = data.cause === undefined ? undefined : reviveError(data.cause);
  const error = Reflect.construct(
    Error,
    [data.message, ...(cause === undefined ? [] : [{ cause }])],
    errorClass,
  ) as Error;
  Object.assign(error, data.fields);
  if (error.name !== data.name) error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

let installed = false;

export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  // Comlink's own handler knows how to recognise a thrown value (its marker symbol is private).
  const builtIn = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: builtIn.canHandle,
    serialize: (thrown: unknown) => [{ error: serializeError((thrown as { value: unknown }).value) }, []],
    deserialize: (data: unknown) => {
      throw reviveError((data as { error: SerializedError | string }).error);
    },
  });
}
