/**
 * Comlink copies only name/message/stack of a thrown Error. This handler carries our typed errors
 * across the worker boundary whole (class, code, file, cause chain), and plain errors too.
 * It must be installed on both sides.
 */
import * as Comlink from 'comlink';
import {
  AbortedError,
  InferenceError,
  InvalidInputError,
  LimitExceededError,
  ModelLoadError,
  OutOfMemoryError,
  RerankerError,
} from '../engine/errors.js';

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  file?: string;
  cause?: SerializedError | string;
}

function serialize(error: unknown, depth = 0): SerializedError | string {
  if (!(error instanceof Error)) return String(error);
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof RerankerError) {
    out.code = error.code;
    if (error.file !== undefined) out.file = error.file;
  }
  if (error.cause !== undefined && depth < 5) out.cause = serialize(error.cause, depth + 1);
  return out;
}

function revive(data: SerializedError | string): Error | string {
  if (typeof data === 'string') return data;
  const cause = data.cause === undefined ? undefined : revive(data.cause);
  let error: Error;
  switch (data.name) {
    case 'InvalidInputError':
      error = new InvalidInputError(data.message);
      break;
    case 'LimitExceededError':
      error = new LimitExceededError(data.message);
      break;
    case 'AbortError':
      error = new AbortedError(data.message);
      break;
    case 'InferenceError':
      error = new InferenceError(data.message, cause);
      break;
    case 'OutOfMemoryError':
      error = new OutOfMemoryError(data.message, cause);
      break;
    case 'ModelLoadError':
      error = new ModelLoadError(data.code as ConstructorParameters<typeof ModelLoadError>[0], data.message, {
        cause,
        file: data.file,
      });
      break;
    default:
      error = data.code
        ? new RerankerError(data.code as RerankerError['code'], data.message, { cause, file: data.file })
        : Object.assign(new Error(data.message, cause === undefined ? undefined : { cause }), { name: data.name });
  }
  if (data.stack) error.stack = data.stack;
  if (cause !== undefined && error.cause === undefined) Object.defineProperty(error, 'cause', { value: cause });
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
    serialize: (thrown: unknown) => [{ error: serialize((thrown as { value: unknown }).value) }, []],
    deserialize: (data: unknown) => {
      throw revive((data as { error: SerializedError | string }).error);
    },
  });
}
