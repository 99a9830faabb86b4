/**
 * Analysers: text -> terms for one index field. Described as plain data (AnalyzerSpec) rather than
 * functions so an index can be serialised and rebuilt with exactly the same tokenisation.
 */
import { describeType, InvalidInputError } from './errors.js';
import { normalizeText, splitRuns, type TextRun } from './normalize.js';
import { stripKoreanSuffix, type SuffixSet } from './particles.js';

/** Whole words: a Hangul/CJK run, or a Latin/digit run ("b2b", "2024"). */
export interface WordAnalyzer {
  type: 'word';
  /** Strip Korean particles ('particles') or particles and light predicate endings ('all'). Default 'keep'. */
  suffixes?: SuffixSet;
  /** Shortest stem left by stripping, in syllables. Default 2. */
  minStem?: number;
}

/** Overlapping character n-grams over Hangul/CJK runs; Latin/digit runs stay whole words. */
export interface NgramAnalyzer {
  type: 'ngram';
  /** Characters per gram (2 = syllable bigrams). */
  n: number;
  /**
   * Let grams span a space between two Hangul words, so "한국 은행" and "한국은행" share "국은".
   * Korean spacing of compounds is inconsistent. Default false.
   */
  joinSpaces?: boolean;
  /** Strip suffixes before cutting grams, so "은행이" gives no "행이". Default 'keep'. */
  suffixes?: SuffixSet;
  minStem?: number;
}

export type AnalyzerSpec = WordAnalyzer | NgramAnalyzer;

export type Analyzer = (text: string) => string[];

const SUFFIX_SETS: readonly SuffixSet[] = ['keep', 'particles', 'all'];

/**
 * Checks every setting up front: a spec comes from code or from a saved index, and a bad value would
 * otherwise surface only when the first search analyses a Hangul word.
 */
function checkSpec(spec: AnalyzerSpec): void {
  if (typeof spec !== 'object' || spec === null)
    throw new InvalidInputError(`analyzer must be an object, got ${describeType(spec)}`);
  if (spec.suffixes !== undefined && !SUFFIX_SETS.includes(spec.suffixes)) {
    throw new InvalidInputError(
      `analyzer suffixes must be one of ${SUFFIX_SETS.join(', ')}, got ${JSON.stringify(spec.suffixes)}`,
    );
  }
  if (spec.minStem !== undefined && !(Number.isSafeInteger(spec.minStem) && spec.minStem >= 0)) {
    throw new InvalidInputError(`analyzer minStem must be a non-negative integer, got ${JSON.stringify(spec.minStem)}`);
  }
  if (spec.type === 'ngram') {
    if (!Number.isSafeInteger(spec.n) || spec.n < 1)
      throw new InvalidInputError(`ngram n must be a positive integer, got ${spec.n}`);
    if (spec.joinSpaces !== undefined && typeof spec.joinSpaces !== 'boolean') {
      throw new InvalidInputError(`ngram joinSpaces must be true or false, got ${JSON.stringify(spec.joinSpaces)}`);
    }
  }
}

export function createAnalyzer(spec: AnalyzerSpec): Analyzer {
  checkSpec(spec);
  switch (spec.type) {
    case 'word':
      return (text) => wordTerms(splitRuns(normalizeText(text)), spec);
    case 'ngram':
      return (text) => ngramTerms(splitRuns(normalizeText(text)), spec);
    default:
      throw new InvalidInputError(`unknown analyzer type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

function wordTerms(runs: TextRun[], spec: WordAnalyzer): string[] {
  const terms: string[] = [];
  for (const run of runs) {
    terms.push(run.kind === 'hangul' ? stripKoreanSuffix(run.text, spec.suffixes ?? 'keep', spec.minStem) : run.text);
  }
  return terms;
}

function ngramTerms(runs: TextRun[], spec: NgramAnalyzer): string[] {
  const terms: string[] = [];
  // Consecutive space-separated Hangul words are joined into one stretch when joinSpaces is on.
  let stretch = '';
  const flush = (): void => {
    pushGrams(stretch, spec.n, terms);
    stretch = '';
  };
  for (const run of runs) {
    if (run.kind === 'alnum') {
      flush();
      terms.push(run.text);
      continue;
    }
    const text = run.kind === 'hangul' ? stripKoreanSuffix(run.text, spec.suffixes ?? 'keep', spec.minStem) : run.text;
    if (!(spec.joinSpaces && run.spaceBefore)) flush();
    stretch += text;
  }
  flush();
  return terms;
}

/** A stretch shorter than n is kept whole, so one-syllable words ("법", "세") still match. */
function pushGrams(stretch: string, n: number, out: string[]): void {
  if (stretch.length === 0) return;
  // Code points, not UTF-16 units: rare Han characters lie outside the BMP.
  const chars = Array.from(stretch);
  if (chars.length <= n) {
    out.push(stretch);
    return;
  }
  for (let i = 0; i + n <= chars.length; i++) out.push(chars.slice(i, i + n).join(''));
}
