/** Field checks for parsed rows; each failure names the field and what was wrong. */
import { RowError } from './errors.js';

export function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RowError('row is not a JSON object');
  return value as Record<string, unknown>;
}

/** The first of `names` present in the row, which must be a string (non-empty unless allowEmpty). */
export function stringField(row: Record<string, unknown>, names: readonly string[], allowEmpty = false): string {
  const name = names.find((candidate) => candidate in row);
  if (name === undefined) throw new RowError(`missing field ${names.join(' / ')}`);
  const value = row[name];
  if (typeof value !== 'string') throw new RowError(`field ${name} must be a string, got ${describe(value)}`);
  if (!allowEmpty && value.trim() === '') throw new RowError(`field ${name} is empty`);
  return value;
}

export function numberField(row: Record<string, unknown>, names: readonly string[]): number {
  const name = names.find((candidate) => candidate in row);
  if (name === undefined) throw new RowError(`missing field ${names.join(' / ')}`);
  const value = row[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new RowError(`field ${name} must be a finite number, got ${describe(value)}`);
  return value;
}

export function stringArrayField(row: Record<string, unknown>, name: string): string[] {
  if (!(name in row)) throw new RowError(`missing field ${name}`);
  const value = row[name];
  if (!Array.isArray(value)) throw new RowError(`field ${name} must be an array of strings, got ${describe(value)}`);
  value.forEach((item, i) => {
    if (typeof item !== 'string') throw new RowError(`field ${name}[${i}] must be a string, got ${describe(item)}`);
  });
  return value as string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
