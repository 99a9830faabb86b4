/**
 * Warm-up calibration: times a few model runs of known shape and feeds them to a cost model. The runs
 * themselves come from the caller (the engine's runRows, or a bare session in a bench), so this stays
 * free of any runtime.
 */
import type { CostModel, RunShape } from './cost-model.js';

export interface CalibrationOptions {
  /** Clock in ms (default performance.now). */
  now?: () => number;
  /**
   * Untimed runs first, of the largest shape (default 1): a session's first run at a new size
   * allocates its buffers and would read as several times its steady cost.
   */
  warmUpRuns?: number;
}

export async function calibrate(
  cost: CostModel,
  shapes: readonly RunShape[],
  run: (shape: RunShape) => Promise<unknown>,
  options: CalibrationOptions = {},
): Promise<void> {
  const now = options.now ?? (() => performance.now());
  if (shapes.length === 0) return;
  const largest = shapes.reduce((a, b) => (b.rows * b.width ** 2 > a.rows * a.width ** 2 ? b : a));
  for (let i = 0; i < (options.warmUpRuns ?? 1); i++) await run(largest);
  for (const shape of shapes) {
    const started = now();
    await run(shape);
    cost.observe(shape, now() - started);
  }
}
