/**
 * Text normalisation and script-aware splitting shared by every analyser.
 * Pure ECMAScript (no DOM, no Node APIs) so the same code runs in the browser and in Node.
 */

/** NFKC folds full-width Latin/digits and compatibility Hangul; lower-casing makes Latin case-insensitive. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Which tokenisation a run of characters gets. */
export type RunKind = 'hangul' | 'cjk' | 'alnum';

export interface TextRun {
  kind: RunKind;
  text: string;
  /** True when only whitespace separates this run from the previous run of the same kind. */
  spaceBefore: boolean;
}

// Hangul and other CJK runs are split apart from Latin/digit runs ("e커머스" -> "e", "커머스";
// "2023년" -> "2023", "년"), since Korean attaches particles and counters directly to words.
const RUN =
  /(\p{Script=Hangul}+)|([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+)|((?:(?![\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])[\p{L}\p{M}\p{N}])+)/gu;
const ONLY_SPACE = /^\s+$/u;

/** Splits already-normalised text into runs of one script; punctuation and spaces separate runs. */
export function splitRuns(normalized: string): TextRun[] {
  const runs: TextRun[] = [];
  let lastEnd = 0;
  let lastKind: RunKind | undefined;
  for (const match of normalized.matchAll(RUN)) {
    const kind: RunKind = match[1] !== undefined ? 'hangul' : match[2] !== undefined ? 'cjk' : 'alnum';
    const start = match.index ?? 0;
    const gap = normalized.slice(lastEnd, start);
    runs.push({ kind, text: match[0], spaceBefore: lastKind === kind && ONLY_SPACE.test(gap) });
    lastEnd = start + match[0].length;
    lastKind = kind;
  }
  return runs;
}
