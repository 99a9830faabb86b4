/**
 * Fitting a (query, passage) pair into the model's token budget. Pure: works on token arrays of any kind.
 *
 * Rules: the passage is cut first; the query keeps all its tokens unless it alone does not fit,
 * in which case it is cut to what is left after giving the passage as many tokens as the query keeps
 * (Hugging Face's `longest_first` outcome for that case), so neither side is dropped entirely.
 */
export interface FittedPair<T> {
  query: T[];
  passage: T[];
}

/** `contentBudget` = max length minus the special tokens the pair template adds. */
export function fitPair<T>(query: T[], passage: T[], contentBudget: number): FittedPair<T> {
  if (contentBudget < 2)
    throw new RangeError(`fitPair: a budget of ${contentBudget} tokens cannot hold a query and a passage`);
  if (query.length + passage.length <= contentBudget) return { query, passage };
  if (query.length < contentBudget) return { query, passage: passage.slice(0, contentBudget - query.length) };
  // The query alone fills the budget: share it, the longer side giving way first.
  const passageShare = Math.min(passage.length, Math.floor(contentBudget / 2));
  return { query: query.slice(0, contentBudget - passageShare), passage: passage.slice(0, passageShare) };
}

/** How a pair that does not fit is cut. */
export type TruncationRule = 'passage-first' | 'longest-first';

/**
 * Hugging Face tokenizers' `longest_first` (what `tokenizer(q, p, truncation=True)` does, the seed
 * model card's recipe), in the closed form of the Rust implementation: with s the shorter side's
 * length, the shorter side keeps everything when s <= budget / 2 and the longer one gets the rest;
 * otherwise each gets half, the longer side the odd token, the query on a tie (n1 <= n2 keeps
 * the first sequence as "shorter").
 */
export function fitLongestFirst<T>(query: T[], passage: T[], contentBudget: number): FittedPair<T> {
  if (contentBudget < 2)
    throw new RangeError(`fitLongestFirst: a budget of ${contentBudget} tokens cannot hold a query and a passage`);
  if (query.length + passage.length <= contentBudget) return { query, passage };
  const swap = query.length > passage.length;
  const shorter = swap ? passage.length : query.length;
  let keepShorter = shorter;
  let keepLonger = shorter > contentBudget ? shorter : Math.max(shorter, contentBudget - shorter);
  if (keepShorter + keepLonger > contentBudget) {
    keepShorter = Math.floor(contentBudget / 2);
    keepLonger = keepShorter + (contentBudget % 2);
  }
  const [keepQuery, keepPassage] = swap ? [keepLonger, keepShorter] : [keepShorter, keepLonger];
  return { query: query.slice(0, keepQuery), passage: passage.slice(0, keepPassage) };
}

/**
 * Overlapping windows over a long passage; every token is in at least one window and the last
 * window ends at the passage's end. A passage that fits gives one window.
 */
export function passageWindows<T>(passage: T[], windowSize: number, overlap: number): T[][] {
  if (windowSize < 1) throw new RangeError('passageWindows: window size must be at least 1');
  if (overlap < 0 || overlap >= windowSize) throw new RangeError('passageWindows: overlap must be in [0, window size)');
  if (passage.length <= windowSize) return [passage];
  const stride = windowSize - overlap;
  const windows: T[][] = [];
  for (let start = 0; ; start += stride) {
    if (start + windowSize >= passage.length) {
      windows.push(passage.slice(passage.length - windowSize));
      return windows;
    }
    windows.push(passage.slice(start, start + windowSize));
  }
}
