/**
 * Every error class the project exports carries a code from the one vocabulary: it extends CodedError
 * (whose type parameter only admits codes of src/errors/error-codes.ts). A class added to one of these
 * modules as a plain Error fails here.
 */
import { expect, test } from 'vitest';
import * as converterErrors from '../../src/converter/errors.js';
import * as dropinErrors from '../../src/dropin/errors.js';
import * as engineErrors from '../../src/engine/errors.js';
import { CodedError } from '../../src/errors/coded-error.js';
import * as datasetErrors from '../../src/eval/datasets/errors.js';
import * as retrieval from '../../src/retrieval/index.js';
import * as serverErrors from '../../src/server/errors.js';
import * as server from '../../src/server/index.js';

const MODULES = { converterErrors, dropinErrors, engineErrors, datasetErrors, retrieval, serverErrors, server };

const errorClasses = Object.entries(MODULES).flatMap(([module, exports]) =>
  Object.entries(exports)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
    .map(([name, value]) => [`${module}.${name}`, value] as const),
);

test('the modules export the error classes this test expects to see', () => {
  expect(errorClasses.map(([name]) => name.split('.')[1]).sort()).toEqual(
    expect.arrayContaining([
      'CancelledError',
      'ContainerChangedError',
      'ConversionError',
      'DatasetFormatError',
      'DuplicateDocumentError',
      'IndexFormatError',
      'ModelLoadError',
      'RowError',
      'ServiceError',
      'WorkerCrashedError',
    ]),
  );
});

test.each(errorClasses)('%s carries a code from the vocabulary', (_name, errorClass) => {
  expect(errorClass.prototype).toBeInstanceOf(CodedError);
});

test('a code is the same word in every part: SCREAMING_CASE on instances from each module', () => {
  const samples = [
    new engineErrors.InvalidInputError('x'),
    new dropinErrors.ContainerChangedError('x'),
    new converterErrors.ConversionError('TENSOR_MISSING', 'x', { tensor: 'classifier.weight' }),
    new datasetErrors.DatasetFormatError('qrels.jsonl', 3, 'x'),
    new datasetErrors.RowError('x'),
    new retrieval.IndexFormatError('x'),
    new retrieval.DuplicateDocumentError('a'),
    new serverErrors.ServiceError('UNKNOWN_MODEL', 'x'),
    new serverErrors.TimeoutError(5),
    new serverErrors.CancelledError(),
  ];
  for (const error of samples) expect(error.code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
});
