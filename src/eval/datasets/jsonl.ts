/** Reads JSON Lines: one value per non-blank line, with 1-based line numbers. */
import { readDatasetFile, RowError, type MalformedRowPolicy } from './errors.js';

/**
 * Calls onRow(value, line) for each non-blank line. Blank lines carry no row and are passed over;
 * a line that is not valid JSON, or whose handler throws a RowError, goes to the policy.
 */
export function forEachJsonLine(
  file: string,
  policy: MalformedRowPolicy,
  onRow: (value: unknown, line: number) => void,
): void {
  const text = readDatasetFile(file).replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') return;
    policy.guard(file, i + 1, () => {
      let value: unknown;
      try {
        value = JSON.parse(source);
      } catch (error) {
        throw new RowError(`invalid JSON (${(error as Error).message})`);
      }
      onRow(value, i + 1);
    });
  });
}
