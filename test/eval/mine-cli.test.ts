import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadFlagJsonl } from '../../src/eval/datasets/flag-jsonl.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SMALL = join(import.meta.dirname, 'fixtures', 'mteb-small');

/** Runs scripts/mine.ts as `npm run mine` would (through tsx), with a non-TTY stderr. */
async function mineCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/mine.ts', ...args],
      { cwd: ROOT },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('scripts/mine.ts', () => {
  it('writes JSONL that the FlagEmbedding loader reads back, and checks --train-group-size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mine-cli-'));
    const out = join(dir, 'train.jsonl');
    // q1 "delta" matches only its positive d3: no negative. q2 "zeta omega" (positive d1) matches d5.
    // q3 "alpha" matches d1, d2, d4 (d2 and d4 positive): one negative, d1.
    const ok = await mineCli(SMALL, '--out', out, '--range', '0-10', '--negatives', '3');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('wrote 3 lines');
    expect(ok.stdout).toContain('1 queries without a positive left out');
    expect(ok.stderr).toContain('mine: 3/3\n');
    const reloaded = loadFlagJsonl(out);
    expect(reloaded.queries.map((query) => query.text)).toEqual(['delta', 'zeta omega', 'alpha']);
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[2]).toEqual({ query: 'alpha', pos: ['epsilon alpha', 'alpha gamma'], neg: ['alpha beta'] });

    const strictOut = join(dir, 'strict.jsonl');
    const strict = await mineCli(SMALL, '--out', strictOut, '--range', '0-10', '--train-group-size', '2');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('line 1: 0 negatives, 1 needed');
    expect(strict.stderr).toContain('1 of 3 lines have fewer than 1 negatives');
    expect(existsSync(strictOut)).toBe(false);
    const dropped = await mineCli(
      SMALL,
      '--out',
      strictOut,
      '--range',
      '0-10',
      '--train-group-size',
      '2',
      '--drop-short',
    );
    expect(dropped.code).toBe(0);
    expect(lines[1]).toEqual({ query: 'zeta omega', pos: ['alpha beta'], neg: ['zeta'] });
    expect(readFileSync(strictOut, 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  it('rejects bad arguments with one line that points at --help', async () => {
    for (const args of [
      [SMALL],
      [SMALL, '--out', 'x.jsonl', '--range', '5-2'],
      [SMALL, '--out', 'x.jsonl', '--drop-short'],
      [SMALL, '--out', 'x.jsonl', '--filter-ratio', '0.9'],
      [SMALL, '--out', 'x.jsonl', '--passages', '10/20'],
    ]) {
      const { code, stderr } = await mineCli(...args);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain('--help');
    }
  });
});
