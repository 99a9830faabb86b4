/**
 * PROVISIONAL (replaced by the budget branch): time per model run, a + b*tokens + c*tokens*width.
 */
export interface RunShape {
  rows: number;
  width: number;
}

export class CostModel {
  private msPerToken = 0;
  observations = 0;

  observe(shape: RunShape, ms: number): void {
    const tokens = shape.rows * shape.width;
    this.msPerToken = (this.msPerToken * this.observations + ms / tokens) / (this.observations + 1);
    this.observations++;
  }

  predictRun(shape: RunShape): number {
    return this.msPerToken * shape.rows * shape.width;
  }

  predict(shapes: readonly RunShape[]): number {
    return shapes.reduce((sum, s) => sum + this.predictRun(s), 0);
  }
}

export function calibrationShapes(maxLength: number): RunShape[] {
  return [{ rows: 1, width: Math.min(64, maxLength) }];
}
