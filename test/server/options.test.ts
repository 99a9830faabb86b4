/** Service defaults that follow from the model's arithmetic. */
import { expect, test } from 'vitest';
import { resolveOptions } from '../../src/server/options.js';

test('cross-request batching is on where a row does not depend on its run (fp32, fp16), off for q8 unless asked', () => {
  expect(resolveOptions({ model: 'm', dtype: 'fp32' }).crossRequestBatching).toBe(true);
  expect(resolveOptions({ model: 'm', dtype: 'fp16' }).crossRequestBatching).toBe(true);
  expect(resolveOptions({ model: 'm', dtype: 'q8' }).crossRequestBatching).toBe(false);
  expect(resolveOptions({ model: 'm' }).crossRequestBatching).toBe(false); // q8 is the default dtype
  expect(resolveOptions({ model: 'm', dtype: 'q8', crossRequestBatching: true }).crossRequestBatching).toBe(true);
  expect(resolveOptions({ model: 'm', dtype: 'fp32', crossRequestBatching: false }).crossRequestBatching).toBe(false);
});
