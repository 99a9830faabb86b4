/**
 * How long one model run takes, learnt from timed runs of this model on this backend.
 *
 * A cross-encoder run over `rows` pairs padded to `width` tokens costs
 *
 *   ms = overhead + perToken x rows x width + perTokenSquared x rows x width^2
 *
 * the per-run overhead (dispatch, tensor copies), the linear layers (per token), and attention, whose
 * score matrix grows with the square of the width. The three nonnegative coefficients are fitted by
 * least squares on relative error (each run weighted by 1/ms^2), because a budget is missed by a
 * fraction: a 10 ms error matters on a 40 ms run, not on a 4 s one.
 *
 * Memory stays bounded: runs of similar shape share one slot holding the recent average of their
 * features and time, and at most MAX_SLOTS slots are kept (the least recently used goes). A slot
 * averages the features, not just the time, so merging shapes costs no accuracy: the model is linear
 * in its features. A slot follows its newest runs (exponential average), so predictions move with the
 * machine's current speed, while the warm-up's small calibration runs keep their own slots and go on
 * telling the terms apart. A shape whose slot holds recent runs is predicted from the fit corrected by
 * that slot's own error (see predictRun).
 */

/** One model run: `rows` pairs, each padded to `width` tokens. */
export interface RunShape {
  rows: number;
  width: number;
}

export interface CostCoefficients {
  /** ms per run, whatever its size */
  overheadMs: number;
  /** ms per padded token (rows x width) */
  perTokenMs: number;
  /** ms per rows x width^2 */
  perTokenSquaredMs: number;
}

/**
 * What an unobserved model predicts: bge-reranker-base's shape, q8, onnxruntime-web WASM on 2 threads
 * (0.94 ms per token and 0.66 us x rows x L^2, measured on an idle 2-core machine, see shared notes;
 * the 5 ms per run is an assumption). It is the slowest common setting, so a budget planned before any
 * calibration errs toward running less rather than missing the budget tenfold; the first observation
 * replaces it.
 */
export const DEFAULT_PRIOR: CostCoefficients = { overheadMs: 5, perTokenMs: 0.94, perTokenSquaredMs: 0.00066 };

/** Slots kept: calibration uses 4, a busy engine a few dozen (rows by quarter octave x width by 32). */
export const MAX_SLOTS = 64;
/** A slot averages about this many of its latest runs; also the most weight one slot has in the fit. */
const SLOT_MEMORY = 8;
/**
 * Every observation ages the others: a slot's weight in the fit shrinks by this factor per run observed
 * since its last own run (half-life ~14 runs, a few ranks), so the fit follows the machine's current
 * speed rather than the warm-up's. It never drops below AGE_FLOOR: stale slots (the calibration runs)
 * go on telling the terms apart when recent runs all have one shape.
 */
const AGE_FACTOR = 0.95;
const AGE_FLOOR = 0.01;
/** Timer resolution floor for the 1/ms^2 weights (browsers coarsen performance.now to 0.1-1 ms). */
const MIN_MS = 1;
/** Features are scaled to similar magnitudes before solving (thousands of tokens, millions of token^2). */
const TOKEN_SCALE = 1e3;
const SQUARED_SCALE = 1e6;

interface Slot {
  /** running means of the scaled features and of the time */
  tokens: number;
  squared: number;
  ms: number;
  /** number of runs averaged, capped at SLOT_MEMORY */
  count: number;
  /** value of `observations` at this slot's latest run */
  seen: number;
}

/**
 * Subsets of the terms [overhead, perToken, perTokenSquared] tried by the nonnegative solver, in order
 * of preference when several fit equally well (too few distinct shapes to tell the terms apart): all
 * three, then with the per-token term, whose extrapolation (time proportional to tokens) is safest.
 */
const SUBSETS: ReadonlyArray<readonly number[]> = [[0, 1, 2], [0, 1], [1, 2], [0, 2], [1], [0], [2]];

export class CostModel {
  private readonly slots = new Map<string, Slot>(); // Map order = least recently observed first
  private fitted: CostCoefficients | null = null;
  private count = 0;

  constructor(private readonly prior: CostCoefficients = DEFAULT_PRIOR) {
    checkCoefficients(prior);
  }

  /** Runs observed since creation (all of them, though only a bounded summary is kept). */
  get observations(): number {
    return this.count;
  }

  /** Shape slots held: the memory in use, never more than MAX_SLOTS however many runs were observed. */
  get slotsKept(): number {
    return this.slots.size;
  }

  /** The fitted coefficients, or the prior before any observation. */
  get coefficients(): CostCoefficients {
    if (this.slots.size === 0) return { ...this.prior };
    this.fitted ??= fit([...this.slots.values()], this.count);
    return { ...this.fitted };
  }

  /** Records one timed run. */
  observe(shape: RunShape, ms: number): void {
    checkShape(shape);
    if (!(Number.isFinite(ms) && ms >= 0))
      throw new RangeError(`CostModel.observe: ms must be a finite number of at least 0, got ${ms}`);
    const key = slotKey(shape);
    const slot = this.slots.get(key) ?? { tokens: 0, squared: 0, ms: 0, count: 0, seen: 0 };
    this.slots.delete(key); // re-inserted last: most recently used
    slot.count = Math.min(slot.count + 1, SLOT_MEMORY);
    const step = 1 / slot.count; // a plain mean at first, then an exponential average over ~SLOT_MEMORY runs
    slot.tokens += step * ((shape.rows * shape.width) / TOKEN_SCALE - slot.tokens);
    slot.squared += step * ((shape.rows * shape.width ** 2) / SQUARED_SCALE - slot.squared);
    slot.ms += step * (ms - slot.ms);
    this.count++;
    slot.seen = this.count;
    this.slots.set(key, slot);
    if (this.slots.size > MAX_SLOTS) this.slots.delete(this.slots.keys().next().value!);
    this.fitted = null;
  }

  /** Predicted ms of one run. */
  predictRun(shape: RunShape): number {
    checkShape(shape);
    const c = this.coefficients;
    const tokens = shape.rows * shape.width;
    const fitted = c.overheadMs + c.perTokenMs * tokens + c.perTokenSquaredMs * tokens * shape.width;
    // A shape seen recently is scaled by how far its own runs were from the fit. Three terms cannot
    // follow everything (big batches outgrowing the CPU cache, the machine's load differing between
    // short and long runs); the engine repeats its batch shapes, so their own history is the better
    // guide. Trusted by half after one run, mostly after several, so one noisy run is not echoed.
    const slot = this.slots.get(slotKey(shape));
    const fittedAtSlot = slot
      ? c.overheadMs + c.perTokenMs * slot.tokens * TOKEN_SCALE + c.perTokenSquaredMs * slot.squared * SQUARED_SCALE
      : 0;
    if (!slot || !(fittedAtSlot > 0)) return fitted;
    const trust = slot.count / (slot.count + 1);
    return fitted * (1 + trust * (slot.ms / fittedAtSlot - 1));
  }

  /** Predicted ms of runs made one after another. */
  predict(shapes: readonly RunShape[]): number {
    return shapes.reduce((total, shape) => total + this.predictRun(shape), 0);
  }
}

/**
 * A few small runs that tell the three terms apart: a tiny one (mostly overhead), many short rows and
 * one long row of the same token count (same linear cost, different attention cost), and one row at
 * the longest width used (where attention weighs most). About 1,000 tokens in all: roughly a second
 * for a base-size model on WASM, a third of that natively. Widths stop at 512 even for models that
 * take more: longer runs are rare and get learnt from the engine's own runs.
 */
export function calibrationShapes(maxLength: number): RunShape[] {
  if (!(Number.isInteger(maxLength) && maxLength >= 1))
    throw new RangeError(`calibrationShapes: maxLength must be a positive integer, got ${maxLength}`);
  const longest = Math.min(maxLength, 512);
  const shapes: RunShape[] = [
    { rows: 1, width: Math.min(16, longest) },
    { rows: 8, width: Math.min(32, longest) },
    { rows: 1, width: Math.min(256, longest) },
    { rows: 1, width: longest },
  ];
  // A short maxLength makes some of these the same shape; one run of each is enough.
  return shapes.filter((s, i) => shapes.findIndex((t) => t.rows === s.rows && t.width === s.width) === i);
}

/** Rows by quarter octaves (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16, ...), width by 32 tokens. */
function slotKey({ rows, width }: RunShape): string {
  return `${Math.round(Math.log2(rows) * 4)}:${Math.round(width / 32)}`;
}

function checkShape(shape: RunShape): void {
  if (!(Number.isInteger(shape?.rows) && shape.rows >= 1 && Number.isInteger(shape.width) && shape.width >= 1)) {
    throw new RangeError(`a run shape needs positive integer rows and width, got ${JSON.stringify(shape)}`);
  }
}

function checkCoefficients(c: CostCoefficients): void {
  for (const value of [c.overheadMs, c.perTokenMs, c.perTokenSquaredMs]) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`cost coefficients must be finite and nonnegative, got ${JSON.stringify(c)}`);
  }
}

/**
 * Nonnegative weighted least squares on the slots. With three unknowns the exact solution is found by
 * trying every subset of terms: the optimum is the unconstrained fit on its own support, so the best
 * feasible subset fit is it.
 */
function fit(slots: readonly Slot[], now: number): CostCoefficients {
  // Normal equations A x = g of the weighted problem, and y'Wy for the residual.
  const a = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const g = [0, 0, 0];
  let yy = 0;
  for (const slot of slots) {
    const age = Math.max(AGE_FACTOR ** (now - slot.seen), AGE_FLOOR);
    const weight = (age * slot.count) / Math.max(slot.ms, MIN_MS) ** 2;
    const x = [1, slot.tokens, slot.squared];
    for (let i = 0; i < 3; i++) {
      g[i]! += weight * x[i]! * slot.ms;
      for (let j = 0; j < 3; j++) a[i]![j]! += weight * x[i]! * x[j]!;
    }
    yy += weight * slot.ms ** 2;
  }
  let best: { x: number[]; residual: number } | null = null;
  for (const subset of SUBSETS) {
    const solved = solve(
      subset.map((i) => subset.map((j) => a[i]![j]!)),
      subset.map((i) => g[i]!),
    );
    if (!solved || solved.some((v) => v < 0)) continue;
    const x = [0, 0, 0];
    subset.forEach((term, k) => (x[term] = solved[k]!));
    // Residual y'Wy - 2 x'g + x'Ax, without revisiting the data.
    let residual = yy;
    for (let i = 0; i < 3; i++) {
      residual -= 2 * x[i]! * g[i]!;
      for (let j = 0; j < 3; j++) residual += x[i]! * a[i]![j]! * x[j]!;
    }
    // Strictly better only: an equal fit keeps the earlier, preferred subset.
    if (!best || residual < best.residual - 1e-9 * Math.max(yy, 1e-300)) best = { x, residual };
  }
  // Single-term subsets always solve (every slot has ms >= 0 and positive features), so best is set.
  const x = best!.x;
  return { overheadMs: x[0]!, perTokenMs: x[1]! / TOKEN_SCALE, perTokenSquaredMs: x[2]! / SQUARED_SCALE };
}

/** Gaussian elimination with partial pivoting; null when the system is (numerically) singular. */
function solve(matrix: number[][], rhs: number[]): number[] | null {
  const n = rhs.length;
  const m = matrix.map((row, i) => [...row, rhs[i]!]);
  const scale = Math.max(...matrix.map((row, i) => Math.abs(row[i]!)));
  if (!(scale > 0)) return null;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) <= 1e-10 * scale) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const factor = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= factor * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= m[r]![c]! * x[c]!;
    x[r] = sum / m[r]![r]!;
  }
  return x;
}
