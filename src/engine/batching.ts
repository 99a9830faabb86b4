/**
 * Groups sequences into model runs. Sorting by length keeps similar lengths together, so each batch
 * is padded only to its own longest row; a batch holds at most `batchTokens` padded tokens.
 */
export function planBatches(lengths: readonly number[], batchTokens: number): number[][] {
  if (!(batchTokens >= 1)) throw new RangeError('planBatches: batchTokens must be at least 1');
  // Longest first: the first batch is the most expensive, so memory trouble shows up at once.
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const index of order) {
    const length = lengths[index]!;
    const widest = Math.max(longest, length);
    if (current.length > 0 && widest * (current.length + 1) > batchTokens) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(index);
    longest = Math.max(longest, length);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
