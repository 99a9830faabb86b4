/** Progress on a stream: a redrawn bar on a terminal, occasional plain lines in a log. */
import type { EvalProgress } from './run-eval.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

const BAR_WIDTH = 30;

/** Returns an onProgress callback. Logs get a line per tenth of each stage, so they stay short. */
export function createProgressReporter(stream: ProgressStream): (progress: EvalProgress) => void {
  let lastStage = '';
  let lastTenth = -1;
  return ({ stage, done, total }) => {
    if (stage !== lastStage) {
      lastStage = stage;
      lastTenth = -1;
    }
    const share = total === 0 ? 1 : done / total;
    if (stream.isTTY) {
      const filled = Math.round(share * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      stream.write(`\r${stage} [${bar}] ${done}/${total}${done >= total ? '\n' : ''}`);
      return;
    }
    // 11 marks a finished stage, so its last line is written once.
    const tenth = done >= total ? 11 : Math.floor(share * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      stream.write(`${stage}: ${done}/${total}\n`);
    }
  };
}
