/**
 * The error function in float64, for the exact GELU of Hugging Face `hidden_act: "gelu"`.
 *
 * Two classical expansions, chosen so neither suffers cancellation:
 * - |x| < 3: erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)).
 *   Every term is positive, so the sum is accurate to a few ulp (unlike the alternating Taylor series).
 * - 3 <= |x| < 6: erf(x) = 1 - erfc(x), with erfc from its continued fraction
 *   erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated by modified Lentz.
 *   Here erfc(x) < 2.3e-5, so the absolute error of erf is far below 1e-16.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / sqrt(pi)
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1 / sqrt(pi)
const SERIES_LIMIT = 3;
const TINY = 1e-300;

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  // term_{n+1} = term_n * 2x^2 / (2n + 3); stop when the term no longer moves the sum.
  for (let n = 0; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= SERIES_LIMIT by the continued fraction above (partial numerators n/2). */
function erfcContinuedFraction(x: number): number {
  // f = x + a1/(x + a2/(x + ...)), a_n = n/2; modified Lentz.
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = x + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

/** The error function, accurate to about 1e-16 absolute over the whole real line. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  // erfc(6) ~ 2e-17 is below half an ulp of 1, so 1 - erfc(x) rounds to exactly 1 from here on (and Infinity is safe).
  if (ax >= 6) return x < 0 ? -1 : 1;
  const value = ax < SERIES_LIMIT ? erfSeries(ax) : 1 - erfcContinuedFraction(ax);
  return x < 0 ? -value : value;
}

/** Exact GELU, as `torch.nn.functional.gelu` with approximate="none": 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
}
