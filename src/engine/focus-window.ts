/**
 * Focused windows (experimental): a long passage is scored by ONE window, the one that best matches the
 * query's terms, instead of its head. One model row per passage, like truncation, but it can reach an
 * answer that sits past the first 512 tokens. Pure: works on the tokenizer's pieces.
 *
 * Whether the chosen window is the one a trained model would score highest can only be judged with
 * real weights; what is tested here is that the choice follows the query's terms.
 */

/** A piece as a comparable term: no word-start mark (`▁` SentencePiece, `##` WordPiece), lower case. */
export function termOf(piece: string): string {
  return piece.replace(/^(▁|##)/, '').toLowerCase();
}

/**
 * Terms worth matching: two characters or more with a letter or digit in them. Single characters are
 * mostly particles and punctuation (은, 의, ",") that would pull every window equally.
 */
function isContentTerm(term: string): boolean {
  return term.length >= 2 && /[\p{L}\p{N}]/u.test(term);
}

/** Start of each window on the same grid as `passageWindows` (stride = size - overlap; the last ends at the end). */
export function windowStarts(passageLength: number, windowSize: number, overlap: number): number[] {
  if (passageLength <= windowSize) return [0];
  const stride = windowSize - overlap;
  const starts: number[] = [];
  for (let start = 0; start + windowSize < passageLength; start += stride) starts.push(start);
  starts.push(passageLength - windowSize);
  return starts;
}

/**
 * The start of the window whose query terms weigh most. A term counts once per window, weighted by how
 * rare it is among this passage's windows (log(windows / windows holding it) + small floor), so a term
 * found everywhere does not decide. Ties, and a passage with no query term at all, keep the earliest
 * window: the head, exactly what truncation would score.
 */
export function chooseFocusWindow(
  queryPieces: readonly string[],
  passagePieces: readonly string[],
  windowSize: number,
  overlap: number,
): number {
  const starts = windowStarts(passagePieces.length, windowSize, overlap);
  if (starts.length === 1) return 0;
  const queryTerms = new Set(queryPieces.map(termOf).filter(isContentTerm));
  if (queryTerms.size === 0) return 0;

  const passageTerms = passagePieces.map(termOf);
  const termsPerWindow = starts.map((start) => {
    const found = new Set<string>();
    for (let i = start; i < start + windowSize; i++) if (queryTerms.has(passageTerms[i]!)) found.add(passageTerms[i]!);
    return found;
  });
  const windowsHolding = new Map<string, number>();
  for (const found of termsPerWindow)
    for (const term of found) windowsHolding.set(term, (windowsHolding.get(term) ?? 0) + 1);
  const weight = (term: string) => Math.log(starts.length / windowsHolding.get(term)!) + 0.1;

  let best = 0;
  let bestWeight = 0;
  termsPerWindow.forEach((found, w) => {
    let total = 0;
    for (const term of found) total += weight(term);
    if (total > bestWeight + 1e-12) [best, bestWeight] = [w, total];
  });
  return starts[best]!;
}
