/**
 * Every command-line tool of package.json's scripts answers `--help` with its usage (exit 0) and an
 * unknown flag with one line (exit 2), before doing any work: no stack trace for a typing mistake.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

/** Build and setup steps: they take no flags. */
const STEPS = ['scripts/ensure-demo-model.ts', 'scripts/build-node.ts'];

/**
 * `npm run <name>` scripts that run one tool (`tsx <file>`, or `exec node --import tsx <file>` for the
 * server, which must be npm's only child), build and setup steps excluded.
 */
const TOOLS = Object.entries(
  (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
)
  .map(
    ([name, command]) =>
      [name, /^(?:tsx|exec node --import tsx) ((?:scripts|bench)\/[\w-]+\.ts)$/.exec(command)?.[1]] as const,
  )
  .filter((tool): tool is readonly [string, string] => tool[1] !== undefined && !STEPS.includes(tool[1]));

async function runTool(file: string, arg: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', file, arg], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (failure: { code: number; stdout: string; stderr: string }) => failure,
  );
}

describe('command-line tools', () => {
  test('the list covers the tools the issue names', () => {
    const names = TOOLS.map(([name]) => name);
    for (const name of ['model', 'convert', 'eval', 'serve', 'bench', 'bench:q8', 'bench:serve', 'bench:budget'])
      expect(names).toContain(name);
  });

  for (const [name, file] of TOOLS) {
    test(`npm run ${name} -- --help / --no-such-flag`, async () => {
      const [help, unknown] = await Promise.all([runTool(file, '--help'), runTool(file, '--no-such-flag')]);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout.trim().length).toBeGreaterThan(40);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringContaining("Unknown option '--no-such-flag'")]);
    });
  }
});
