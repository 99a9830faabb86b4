/** Issue 11 item 3: the score cache's keys and bounds. */
import { describe, expect, test } from 'vitest';
import { ScoreCache, checkCacheLimits } from '../../src/engine/score-cache.js';

const settings = { maxLength: 512, truncation: 'passage-first', longPassages: 'truncate', windowOverlap: 127 };
const key = (query: string, passage: string, over: Partial<typeof settings> = {}) =>
  ScoreCache.key({ ...settings, ...over }, query, passage);

describe('ScoreCache', () => {
  test('a key differs with every setting that changes a logit, and with where query ends and passage begins', () => {
    const keys = [
      key('ab', 'c'),
      key('a', 'bc'),
      key('ab', 'c', { maxLength: 256 }),
      key('ab', 'c', { truncation: 'longest-first' }),
      key('ab', 'c', { longPassages: 'focus' }),
      key('ab', 'c', { windowOverlap: 10 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(key('ab', 'c')).toBe(key('ab', 'c'));
  });

  test('least recently used entries go first when the entry bound is reached', () => {
    const cache = new ScoreCache({ maxEntries: 3 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('d', 4); // evicts b
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    expect(cache.stats()).toMatchObject({ entries: 3, hits: 4, misses: 1 });
  });

  test('the byte bound holds whatever the keys, and a huge key is not cached at all', () => {
    const cache = new ScoreCache({ maxBytes: 10_000 });
    for (let i = 0; i < 1000; i++) cache.set(`${i}:${'x'.repeat(i % 300)}`, i);
    expect(cache.stats().bytes).toBeLessThanOrEqual(10_000);
    expect(cache.stats().entries).toBeGreaterThan(5);
    // The most recent survives.
    expect(cache.get(`999:${'x'.repeat(999 % 300)}`)).toBe(999);
    cache.set('y'.repeat(1000), 1); // 2064 bytes > a tenth of the bound
    expect(cache.get('y'.repeat(1000))).toBeUndefined();
  });

  test('updating a key keeps one entry and the byte count exact; clear empties it', () => {
    const cache = new ScoreCache();
    cache.set('k', 1);
    const bytes = cache.stats().bytes;
    cache.set('k', 2);
    expect(cache.stats()).toMatchObject({ entries: 1, bytes });
    expect(cache.get('k')).toBe(2);
    cache.clear();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  test('maxEntries 0 (scoreCache: false) keeps nothing', () => {
    const cache = new ScoreCache(checkCacheLimits(false));
    cache.set('k', 1);
    expect(cache.get('k')).toBeUndefined();
  });

  test('bad limits are refused with INVALID_INPUT', () => {
    for (const bad of [null, 'big', [], { maxEntries: -1 }, { maxBytes: 1.5 }]) {
      expect(() => checkCacheLimits(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});
