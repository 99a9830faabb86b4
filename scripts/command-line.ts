/**
 * The one argument parser of every command-line tool (scripts/, bench/, the `ko-rerank` bin): node:util
 * parseArgs plus the two answers a user expects from any tool: `--help` prints the usage and exits 0, a
 * flag it does not know prints one line and exits 2. Never a stack trace for a typing mistake.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Dtype } from '../src/engine/types.js';

type HelpOption = { help: { type: 'boolean'; short: 'h' } };
type WithHelp<T extends ParseArgsConfig> = Omit<T, 'options'> & { options: NonNullable<T['options']> & HelpOption };

/**
 * Parses `process.argv` (or `config.args`) against `config`; answers `--help`/`-h` with `usage` and
 * a parse error (unknown flag, missing value, stray positional) with one line, exiting 0 or 2.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<WithHelp<T>>> {
  const withHelp = { ...config, options: { ...config.options, help: { type: 'boolean', short: 'h' } } } as WithHelp<T>;
  let parsed: ReturnType<typeof parseArgs<WithHelp<T>>>;
  try {
    parsed = parseArgs(withHelp);
  } catch (error) {
    // parseArgs reports user mistakes as TypeErrors with an ERR_PARSE_ARGS_* code; anything else is a bug.
    if (!(error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')))
      throw error;
    return usageError(error.message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/** A usage mistake found after parsing (a missing or malformed value): one line on stderr, exit 2. */
export function usageError(message: string): never {
  console.error(`${message} (--help for usage)`);
  process.exit(2);
}

/**
 * The usage of a tool whose header comment already says how to run it: that comment, without its
 * stars. `file` is the tool's `import.meta.url`; the comment survives compilation (tsc keeps it).
 */
export function headerUsage(file: string): string {
  const source = readFileSync(fileURLToPath(file), 'utf8');
  const header = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  return header
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** The --passages flag of eval and mine: "off", "T" (a quarter overlapping) or "T/O" tokens. */
export function passagesFlag(text: string): { maxTokens: number; overlapTokens: number } | null {
  if (text === 'off') return null;
  const match = /^(\d+)(?:\/(\d+))?$/.exec(text);
  const maxTokens = Number(match?.[1]);
  const overlapTokens = match?.[2] === undefined ? Math.floor(maxTokens / 4) : Number(match[2]);
  if (!match || !(maxTokens > 0) || !(overlapTokens < maxTokens))
    return usageError(
      `--passages must be off, T or T/O with T > 0 tokens and overlap O < T, got ${JSON.stringify(text)}`,
    );
  return { maxTokens, overlapTokens };
}

/** A usage mistake found inside a tool's main(): runTool reports it as one line and exit 2. */
export class UsageError extends Error {}

export function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0))
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

export function oneOf<T extends string>(text: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  return text as T;
}

/**
 * Runs a tool's main. A UsageError: one line, exit 2. Data and model problems are the user's to fix
 * (a typed error with a `code`, or one of `expected`): their name and message, exit 1. Anything else is a
 * bug: its stack, exit 1.
 */
export function runTool(
  main: () => Promise<void>,
  expected: Array<abstract new (...args: never[]) => Error> = [],
): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) usageError(error.message);
    const typed =
      expected.some((kind) => error instanceof kind) ||
      (error instanceof Error && 'code' in error && typeof error.code === 'string');
    console.error(
      typed
        ? `${(error as Error).name}: ${(error as Error).message}`
        : error instanceof Error
          ? (error.stack ?? error.message)
          : error,
    );
    process.exitCode = 1;
  });
}

/** The weight types a model folder can hold (onnx/model.onnx, model_fp16.onnx, model_quantized.onnx). */
export const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8'];

/** A comma-separated --dtypes list, checked: every entry one of DTYPES, at least one. */
export function dtypeList(text: string, flag = '--dtypes'): Dtype[] {
  const dtypes = text.split(',').map((d) => d.trim());
  const unknown = dtypes.filter((d) => !(DTYPES as readonly string[]).includes(d));
  if (unknown.length > 0 || dtypes.length === 0)
    usageError(`${flag}: unknown dtype(s) ${unknown.join(', ')}; use ${DTYPES.join(', ')}`);
  return dtypes as Dtype[];
}
