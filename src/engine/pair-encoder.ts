/**
 * Turns (query, passage) texts into model rows with the tokenizer's own pieces and pair template.
 *
 * transformers.js truncates a pair by cutting the end of the joined sequence, which drops the
 * closing separator and may cut the query. We tokenise each side separately, fit them with
 * `fitPair`/`passageWindows`, then let the tokenizer's post-processor add the special tokens.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { InvalidInputError } from './errors.js';
import { chooseFocusWindow } from './focus-window.js';
import { type TruncationRule, fitLongestFirst, fitPair, passageWindows } from './pair-tokens.js';
import { type TokenizerCore, tokenizerCore } from './transformers-internals.js';

/**
 * transformers.js's Unigram model spreads all tokens of one whitespace-free run into `push(...)`, which
 * overflows the stack from ~80k tokens in a worker (~120k in Node): CJK text, base64, long URLs. Pieces
 * of at most this many characters keep every run far below that.
 */
const PIECE_CHARACTERS = 4096;

/**
 * Cuts text into pieces of at most `size` characters. A cut goes just before a whitespace character,
 * so no word spans two pieces and the tokens are those of the whole text (pre-tokenizers split at
 * whitespace, and a piece starting with a space gets the same word-start mark). Only a run of
 * `size` characters without whitespace is cut inside, where the tokens near the cut may differ
 * from the whole run's (the whole run could not be tokenised at all).
 */
export function* textPieces(text: string, size: number): Generator<string> {
  let start = 0;
  while (text.length - start > size) {
    let end = start + size;
    let cut = end;
    while (cut > start + 1 && !/\s/.test(text[cut]!)) cut--;
    if (cut > start + 1) end = cut;
    else if (/[\uDC00-\uDFFF]/.test(text[end]!)) end--; // never split a surrogate pair
    yield text.slice(start, end);
    start = end;
  }
  yield text.slice(start);
}

export interface EncodedRow {
  inputIds: number[];
  tokenTypeIds: number[];
}

export class PairEncoder {
  private readonly core: TokenizerCore;
  /** Special tokens the pair template adds (4 for XLM-R, 3 for BERT). */
  readonly pairSpecialTokens: number;
  readonly padTokenId: number;

  constructor(tokenizer: PreTrainedTokenizer) {
    this.core = tokenizerCore(tokenizer);
    this.pairSpecialTokens = this.join([], []).inputIds.length;
    const pad = tokenizer.pad_token_id;
    this.padTokenId = typeof pad === 'number' ? pad : 0;
  }

  /**
   * The text's tokens, read in bounded pieces (see `textPieces`). With `enough`, reading stops once that
   * many tokens are in hand: truncation keeps at most the content budget, so the rest of a huge text
   * need not be tokenised at all.
   */
  tokenize(text: string, enough = Infinity): string[] {
    if (text.length <= PIECE_CHARACTERS) return this.core.encode_text(text) ?? [];
    const tokens: string[] = [];
    for (const piece of textPieces(text, PIECE_CHARACTERS)) {
      // A loop, not push(...): spreading a huge array is the very overflow this avoids.
      for (const token of this.core.encode_text(piece) ?? []) tokens.push(token);
      if (tokens.length >= enough) break;
    }
    return tokens;
  }

  /**
   * One row per pair; with `windows`, several rows for a long passage, or with `windows.focus` the one
   * window that best matches the query's terms.
   */
  encode(
    queryTokens: string[],
    passageTokens: string[],
    maxLength: number,
    windows: { overlap: number; focus?: boolean } | null,
    truncation: TruncationRule = 'passage-first',
  ): EncodedRow[] {
    const budget = maxLength - this.pairSpecialTokens;
    // Windows cover the whole passage, so only the passage-first fit (query whole) makes sense there.
    const fitted = (truncation === 'longest-first' && !windows ? fitLongestFirst : fitPair)(
      queryTokens,
      passageTokens,
      budget,
    );
    if (!windows) return [this.join(fitted.query, fitted.passage)];
    const windowSize = budget - fitted.query.length;
    // Checked for every pair, long passage or not, so the same options do not fail only on some inputs.
    // Clamping instead would mean a stride of one token: hundreds of times the work, silently.
    if (windows.overlap >= windowSize) {
      throw new InvalidInputError(
        `windowOverlap ${windows.overlap} must be smaller than the passage window of ${windowSize} tokens ` +
          `(maxLength ${maxLength} minus ${this.pairSpecialTokens} special tokens and ${fitted.query.length} query tokens)`,
      );
    }
    if (fitted.passage.length === passageTokens.length) return [this.join(fitted.query, fitted.passage)];
    if (windows.focus) {
      const start = chooseFocusWindow(fitted.query, passageTokens, windowSize, windows.overlap);
      return [this.join(fitted.query, passageTokens.slice(start, start + windowSize))];
    }
    return passageWindows(passageTokens, windowSize, windows.overlap).map((window) => this.join(fitted.query, window));
  }

  private join(query: string[], passage: string[]): EncodedRow {
    const processed = this.core.post_processor
      ? this.core.post_processor(query, passage, true)
      : { tokens: [...query, ...passage] };
    const unk = this.core.model.unk_token_id ?? 0;
    return {
      inputIds: processed.tokens.map((token) => this.core.token_to_id(token) ?? unk),
      tokenTypeIds: processed.token_type_ids ?? processed.tokens.map(() => 0),
    };
  }
}
