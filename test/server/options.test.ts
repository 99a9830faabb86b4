/** Service defaults that follow from the model's arithmetic. */
import { expect, test } from 'vitest';
import { keyChecker } from '../../src/server/auth.js';
import { resolveOptions } from '../../src/server/options.js';

test('cross-request batching is on where a row does not depend on its run (fp32, fp16), off for q8 unless asked', () => {
  expect(resolveOptions({ model: 'm', dtype: 'fp32' }).crossRequestBatching).toBe(true);
  expect(resolveOptions({ model: 'm', dtype: 'fp16' }).crossRequestBatching).toBe(true);
  expect(resolveOptions({ model: 'm', dtype: 'q8' }).crossRequestBatching).toBe(false);
  expect(resolveOptions({ model: 'm' }).crossRequestBatching).toBe(false); // q8 is the default dtype
  expect(resolveOptions({ model: 'm', dtype: 'q8', crossRequestBatching: true }).crossRequestBatching).toBe(true);
  expect(resolveOptions({ model: 'm', dtype: 'fp32', crossRequestBatching: false }).crossRequestBatching).toBe(false);
});

test('an empty API key is refused, never read as "no auth"; several keys are all accepted, others not', async () => {
  for (const apiKey of ['', '  ', [], ['k1', '']])
    expect(() => resolveOptions({ model: 'm', apiKey })).toThrow(/an API key is empty/);
  expect(resolveOptions({ model: 'm' }).apiKeys).toEqual([]);
  const check = keyChecker(resolveOptions({ model: 'm', apiKey: ['old-key', 'new-key'] }).apiKeys);
  expect(await check('Bearer old-key')).toBe(true);
  expect(await check('Bearer new-key')).toBe(true);
  expect(await check('Bearer other')).toBe(false);
  expect(await check(null)).toBe(false);
  expect(await check('old-key')).toBe(false); // not a Bearer header
});
