/** Measures between two lists of scores over the same items (a file's logits vs the reference). */
export const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

/** Kendall's tau-a between two score lists over the same items. */
export function kendallTau(a: number[], b: number[]): number {
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

/** rms(b - a) / std(a): error measured against the spread of the reference values. */
export function normalisedError(reference: number[], other: number[]): number {
  const mean = reference.reduce((s, x) => s + x, 0) / reference.length;
  const std = Math.sqrt(reference.reduce((s, x) => s + (x - mean) ** 2, 0) / reference.length);
  const rms = Math.sqrt(reference.reduce((s, x, i) => s + (x - other[i]!) ** 2, 0) / reference.length);
  return rms / std;
}
