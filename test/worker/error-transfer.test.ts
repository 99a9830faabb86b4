/**
 * The worker boundary's error registry, without a browser: every registered class survives
 * serialize -> structured clone -> revive with its class, name, code, file, message, stack and cause
 * chain, and every error class of the engine is registered. A Comlink call over a MessageChannel
 * checks that the installed handler uses the same path.
 */
import * as Comlink from 'comlink';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import * as engineErrors from '../../src/engine/errors.js';
import {
  AbortedError,
  InferenceError,
  InvalidInputError,
  LimitExceededError,
  LoadStalledError,
  ModelLoadError,
  OutOfMemoryError,
  RerankerError,
  WorkerCrashedError,
} from '../../src/engine/errors.js';
import { downloadStalled } from '../../src/engine/guarded-fetch.js';
import { ContainerChangedError } from '../../src/dropin/errors.js';
import {
  RERANKER_ERROR_CLASSES,
  installErrorTransfer,
  reviveError,
  serializeError,
} from '../../src/worker/error-transfer.js';

type RegistryKey = {
  [K in keyof typeof engineErrors]: (typeof engineErrors)[K] extends abstract new (...args: never[]) => Error
    ? K
    : never;
}[keyof typeof engineErrors];

const rootCause = new TypeError('tensor size overflow');

/** One instance of each registered class, made through its own constructor as the engine makes them. */
const SAMPLES: Record<RegistryKey, () => Error> = {
  RerankerError: () => new RerankerError('BACKEND_LOST', 'webgpu failed during a run', { cause: rootCause }),
  InvalidInputError: () => new InvalidInputError('documents[1] is missing (the array has a hole)'),
  LimitExceededError: () => new LimitExceededError('3 documents is more than the limit of 2'),
  ModelLoadError: () =>
    new ModelLoadError('MODEL_MISMATCH', 'tokenizer ids past the embedding rows', {
      file: 'tokenizer.json',
      cause: new RangeError('id 250002 >= 1000'),
    }),
  InferenceError: () => new InferenceError('model run failed on 4 pairs', rootCause),
  OutOfMemoryError: () =>
    new OutOfMemoryError('the run needs more memory', new InferenceError('inner', new Error('std::bad_alloc'))),
  AbortedError: () => new AbortedError(),
  WorkerCrashedError: () => new WorkerCrashedError('the worker ended', 'terminated'),
  LoadStalledError: () => new LoadStalledError('no progress for 100 ms'),
};

function roundTrip(error: unknown): unknown {
  return reviveError(structuredClone(serializeError(error)));
}

/** The chain of causes, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at = error; at !== undefined; at = (at as { cause?: unknown }).cause) {
    chain.push(at);
    if (!(at instanceof Error)) break;
  }
  return chain;
}

function expectSameError(revived: unknown, original: unknown): void {
  if (!(original instanceof Error)) {
    expect(revived).toBe(original);
    return;
  }
  expect(revived).toBeInstanceOf(Error);
  const error = revived as Error;
  expect(Object.getPrototypeOf(error)).toBe(Object.getPrototypeOf(original));
  expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  expect(error.name).toBe(original.name);
  expect(error.message).toBe(original.message);
  expect(error.stack).toBe(original.stack);
  // Own fields: code, file, and the class's `name` field, with nothing added or lost.
  expect({ ...error }).toEqual({ ...original });
  expect(Object.hasOwn(error, 'cause')).toBe(Object.hasOwn(original, 'cause'));
}

describe('the worker error registry', () => {
  test('every error class the engine exports is registered', () => {
    const exported = Object.entries(engineErrors).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
    );
    expect(exported.length).toBeGreaterThanOrEqual(9);
    const registered = new Set<unknown>(Object.values(RERANKER_ERROR_CLASSES));
    const missing = exported.filter(([, value]) => !registered.has(value)).map(([name]) => name);
    expect(missing, 'error classes missing from RERANKER_ERROR_CLASSES').toEqual([]);
  });

  test('this test has a sample for every registered class', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(RERANKER_ERROR_CLASSES).sort());
  });

  test.each(Object.keys(RERANKER_ERROR_CLASSES) as RegistryKey[])(
    '%s keeps class, name, code, file, message, stack and cause chain',
    (key) => {
      const original = SAMPLES[key]();
      expect(original).toBeInstanceOf(RERANKER_ERROR_CLASSES[key]);
      const revived = roundTrip(original);
      expect(revived).toBeInstanceOf(RERANKER_ERROR_CLASSES[key]);
      expect(revived).toBeInstanceOf(RerankerError);
      expect((revived as RerankerError).code).toBe((original as RerankerError).code);
      const before = causes(original);
      const after = causes(revived);
      expect(after).toHaveLength(before.length);
      before.forEach((cause, i) => expectSameError(after[i], cause));
    },
  );

  test('a file survives, and a ModelLoadError keeps each of its codes', () => {
    const stalled = downloadStalled('onnx/model.onnx', 'body', 50, 1024);
    const revived = roundTrip(stalled) as ModelLoadError;
    expect(revived).toBeInstanceOf(ModelLoadError);
    expect(revived).toMatchObject({ code: 'DOWNLOAD_STALLED', file: 'onnx/model.onnx', name: 'ModelLoadError' });
  });

  test('AbortedError keeps the DOM-like name AbortError', () => {
    const revived = roundTrip(new AbortedError('loading was cancelled')) as AbortedError;
    expect(revived).toBeInstanceOf(AbortedError);
    expect(revived).toMatchObject({ name: 'AbortError', code: 'ABORTED', message: 'loading was cancelled' });
  });

  test('a subclass that is not registered arrives as its nearest registered ancestor, fields intact', () => {
    const revived = roundTrip(new ContainerChangedError('an item was added')) as RerankerError;
    expect(revived).toBeInstanceOf(RerankerError);
    expect(revived).not.toBeInstanceOf(ContainerChangedError);
    expect(revived).toMatchObject({ name: 'ContainerChangedError', code: 'CONTAINER_CHANGED' });
    expect(revived.message).toMatch(/an item was added/);
  });

  test('built-in and foreign errors keep their class or name and own fields; other values become text', () => {
    const type = roundTrip(new TypeError('not a function'));
    expect(type).toBeInstanceOf(TypeError);
    expect(type).toMatchObject({ name: 'TypeError', message: 'not a function' });

    // A library's error: unregistered class, its own name and code (Node's system errors look like this).
    class LibraryError extends Error {
      override name = 'LibraryError';
      code = 'ENOENT';
      errno = -2;
      detail = { nested: true }; // not a scalar: not carried
    }
    const foreign = roundTrip(new LibraryError('open failed')) as Error;
    expect(foreign).toBeInstanceOf(Error);
    expect(foreign).not.toBeInstanceOf(RerankerError);
    expect({ ...foreign }).toEqual({ name: 'LibraryError', code: 'ENOENT', errno: -2 });

    expect(roundTrip('a thrown string')).toBe('a thrown string');
    expect(roundTrip(42)).toBe('42');
  });

  test('a cause chain longer than five is cut, not followed forever', () => {
    const looped = new InferenceError('outer');
    Object.defineProperty(looped, 'cause', { value: looped });
    const chain = causes(roundTrip(looped));
    expect(chain.length).toBe(6);
    chain.forEach((error) => expect(error).toBeInstanceOf(InferenceError));
  });

  test('the installed Comlink handler revives a rejection across a MessageChannel', async () => {
    installErrorTransfer();
    const { port1, port2 } = new MessageChannel();
    const thrown = SAMPLES.ModelLoadError();
    Comlink.expose(
      {
        load: () => {
          throw thrown;
        },
      },
      port1 as unknown as Comlink.Endpoint,
    );
    const remote = Comlink.wrap<{ load(): void }>(port2 as unknown as Comlink.Endpoint);
    try {
      const error = await remote.load().then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).not.toBe(thrown); // it really crossed: a copy, not the same object
      expect(error).toBeInstanceOf(ModelLoadError);
      causes(thrown).forEach((cause, i) => expectSameError(causes(error)[i], cause));
    } finally {
      remote[Comlink.releaseProxy]();
      port1.close();
      port2.close();
    }
  });
});
