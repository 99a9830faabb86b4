/**
 * Measures between two lists of scores over the same items (a file's logits vs the reference).
 * Each refuses lists of different lengths and lists too short to measure: a comparison of nothing
 * (an empty result) would otherwise pass every tolerance (the maximum of no differences is -Infinity).
 */

type Scores = ArrayLike<number>;

function checkPaired(measure: string, a: Scores, b: Scores, minimum: number): void {
  if (a.length !== b.length)
    throw new RangeError(`${measure}: the score lists differ in length (${a.length} and ${b.length})`);
  if (a.length < minimum)
    throw new RangeError(`${measure}: needs at least ${minimum} score${minimum > 1 ? 's' : ''}, got ${a.length}`);
}

/** Largest |a[i] - b[i]|; NaN if any value is NaN, so a broken result never passes a tolerance. */
export function maxAbsDiff(a: Scores, b: Scores): number {
  checkPaired('maxAbsDiff', a, b, 1);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Kendall's tau-a between two score lists over the same items (needs a pair, so two items). */
export function kendallTau(a: Scores, b: Scores): number {
  checkPaired('kendallTau', a, b, 2);
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const s = Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  return (concordant - discordant) / ((a.length * (a.length - 1)) / 2);
}

/** rms(b - a) / std(a): error measured against the spread of the reference values (needs two of them). */
export function normalisedError(reference: Scores, other: Scores): number {
  checkPaired('normalisedError', reference, other, 2);
  const values = Array.from(reference);
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length);
  const rms = Math.sqrt(values.reduce((s, x, i) => s + (x - other[i]!) ** 2, 0) / values.length);
  return rms / std;
}
