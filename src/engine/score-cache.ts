/**
 * A bounded least-recently-used map from (settings, query, passage) to the pair's raw logit, so a
 * repeated or refined query scores only the passages it has not seen. One cache per loaded model
 * (a Reranker instance), so model, dtype and backend are part of the key by construction.
 *
 * Keys are the exact texts, not hashes: a hash collision would return another pair's score silently.
 * Memory is bounded by entries and by an estimate of bytes (UTF-16 key + per-entry overhead).
 */
import { InvalidInputError } from './errors.js';
import { positiveInteger } from './validation.js';

export interface ScoreCacheLimits {
  /** Most pairs kept. Default 10 000. */
  maxEntries?: number;
  /** Most bytes kept, estimated. Default 16 MiB. A pair larger than a tenth of this is not cached. */
  maxBytes?: number;
}

export interface ScoreCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

/** What besides the texts changes a pair's logit: the cut (maxLength, rule) and the long-passage mode. */
export interface PairSettingsKey {
  maxLength: number;
  truncation: string;
  longPassages: string;
  windowOverlap: number;
}

const ENTRY_OVERHEAD_BYTES = 64;
const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** The `scoreCache` load option, checked: `false` keeps nothing. */
export function checkCacheLimits(value: unknown): ScoreCacheLimits {
  if (value === undefined) return {};
  if (value === false) return { maxEntries: 0 };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      `scoreCache must be false or { maxEntries?, maxBytes? }, got ${Array.isArray(value) ? 'array' : String(value)}`,
    );
  }
  const { maxEntries, maxBytes } = value as ScoreCacheLimits;
  return {
    maxEntries: positiveInteger('scoreCache.maxEntries', maxEntries, DEFAULT_MAX_ENTRIES, 0),
    maxBytes: positiveInteger('scoreCache.maxBytes', maxBytes, DEFAULT_MAX_BYTES, 0),
  };
}

export class ScoreCache {
  private readonly entries = new Map<string, number>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(limits: ScoreCacheLimits = {}) {
    this.maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  static key(settings: PairSettingsKey, query: string, passage: string): string {
    // Lengths first: no query/passage split of the same characters can give the same key.
    return `${settings.maxLength}|${settings.truncation}|${settings.longPassages}|${settings.windowOverlap}|${query.length}|${passage.length}|${query}${passage}`;
  }

  get(key: string): number | undefined {
    const logit = this.entries.get(key);
    if (logit === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert: a Map iterates in insertion order, so the first key is always the least recently used.
    this.entries.delete(key);
    this.entries.set(key, logit);
    return logit;
  }

  set(key: string, logit: number): void {
    const size = ScoreCache.sizeOf(key);
    if (size > this.maxBytes / 10 || this.maxEntries === 0) return;
    if (this.entries.has(key)) {
      this.entries.delete(key);
      this.bytes -= size;
    }
    this.entries.set(key, logit);
    this.bytes += size;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.bytes -= ScoreCache.sizeOf(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): ScoreCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  private static sizeOf(key: string): number {
    return key.length * 2 + ENTRY_OVERHEAD_BYTES;
  }
}
