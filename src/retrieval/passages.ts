/**
 * Splits a long document into overlapping passages of about maxTokens reranker tokens, cut at sentence
 * ends where it can, so the first stage can score (and the reranker read) the part that matched
 * instead of the head of a long document. Pure ECMAScript: runs in the browser and in Node.
 */
import { InvalidInputError } from './errors.js';

export interface PassageOptions {
  /** Longest passage, in estimated reranker tokens (see estimateTokens). */
  maxTokens: number;
  /** Tokens of whole sentences repeated from the end of one passage at the start of the next. Default 0. */
  overlapTokens?: number;
}

/** A passage as character offsets into its document's text: text.slice(start, end). */
export interface PassageSpan {
  start: number;
  end: number;
}

// XLM-RoBERTa's sentencepiece (bge-reranker, ko-reranker) cuts Korean words into pieces of one to
// two syllables and keeps most Latin or digit words whole. Not calibrated against the real vocabulary
// (no hub here); an estimate is enough to size passages, and 384 leaves the query room within 512.
const HANGUL_OR_CJK = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;

/** Estimated reranker tokens: 2/3 of a token per Hangul/CJK character, one per other word. */
export function estimateTokens(text: string): number {
  let syllables = 0;
  let words = 0;
  let inWord = false;
  for (const char of text) {
    if (HANGUL_OR_CJK.test(char)) {
      syllables++;
      inWord = false;
    } else if (WORD_CHAR.test(char)) {
      if (!inWord) words++;
      inWord = true;
    } else inWord = false;
  }
  return Math.ceil((syllables * 2) / 3) + words;
}

export function checkPassageOptions(options: PassageOptions): Required<PassageOptions> {
  if (typeof options !== 'object' || options === null)
    throw new InvalidInputError('passages must be an object with maxTokens');
  const { maxTokens, overlapTokens = 0 } = options;
  if (!(Number.isSafeInteger(maxTokens) && maxTokens > 0))
    throw new InvalidInputError(`passages.maxTokens must be a positive integer, got ${String(maxTokens)}`);
  if (!(Number.isSafeInteger(overlapTokens) && overlapTokens >= 0 && overlapTokens < maxTokens))
    throw new InvalidInputError(
      `passages.overlapTokens must be an integer from 0 to maxTokens - 1, got ${String(overlapTokens)}`,
    );
  return { maxTokens, overlapTokens };
}

interface Piece extends PassageSpan {
  tokens: number;
}

const sentenceSegmenter = new Intl.Segmenter('ko', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('ko', { granularity: 'word' });

/**
 * Passages covering the whole text, in order. A text within maxTokens is one passage; otherwise
 * sentences are packed greedily, a sentence longer than maxTokens is cut between words, and each
 * passage after the first starts with the last sentences of the previous one (up to overlapTokens).
 * A single word longer than maxTokens (an unspaced run) stays whole rather than being cut inside.
 */
export function splitPassages(text: string, options: PassageOptions): PassageSpan[] {
  const { maxTokens, overlapTokens } = checkPassageOptions(options);
  if (estimateTokens(text) <= maxTokens) return [{ start: 0, end: text.length }];
  const pieces = sentencePieces(text, maxTokens);
  const passages: PassageSpan[] = [];
  let first = 0;
  while (first < pieces.length) {
    let last = first;
    let tokens = pieces[first]!.tokens;
    while (last + 1 < pieces.length && tokens + pieces[last + 1]!.tokens <= maxTokens) tokens += pieces[++last]!.tokens;
    passages.push({ start: pieces[first]!.start, end: pieces[last]!.end });
    if (last + 1 >= pieces.length) break;
    // Step back over whole sentences for the overlap, but always move forward by at least one.
    let next = last + 1;
    let overlap = 0;
    while (next - 1 > first && overlap + pieces[next - 1]!.tokens <= overlapTokens) overlap += pieces[--next]!.tokens;
    first = next;
  }
  return passages;
}

/** Sentences (trailing spaces included), each cut between words when longer than maxTokens. */
function sentencePieces(text: string, maxTokens: number): Piece[] {
  const pieces: Piece[] = [];
  for (const sentence of sentenceSegmenter.segment(text)) {
    const start = sentence.index;
    const end = start + sentence.segment.length;
    const tokens = estimateTokens(sentence.segment);
    if (tokens <= maxTokens) {
      pieces.push({ start, end, tokens });
      continue;
    }
    let pieceStart = start;
    let pieceTokens = 0;
    for (const word of wordSegmenter.segment(sentence.segment)) {
      const wordTokens = estimateTokens(word.segment);
      const wordStart = start + word.index;
      if (pieceTokens > 0 && pieceTokens + wordTokens > maxTokens) {
        pieces.push({ start: pieceStart, end: wordStart, tokens: pieceTokens });
        pieceStart = wordStart;
        pieceTokens = 0;
      }
      pieceTokens += wordTokens;
    }
    pieces.push({ start: pieceStart, end, tokens: pieceTokens });
  }
  return pieces;
}
