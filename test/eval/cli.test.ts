import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testModel } from '../helpers/models.js';

const ROOT = join(import.meta.dirname, '..', '..');
const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);

/** Runs scripts/eval.ts as `npm run eval` would (through tsx), with a non-TTY stderr. */
async function evalCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/eval.ts', ...args],
      { cwd: ROOT },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('scripts/eval.ts', () => {
  it('prints the first-stage table, writes JSON and logs progress as plain lines', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'eval-cli-')), 'report.json');
    const { code, stdout, stderr } = await evalCli(fixture('mteb-small'), '--k', '2', '--json', out);
    expect(code).toBe(0);
    // Hand-computed in run-eval.test.ts: hit 2/3, MRR 1/2, NDCG (1 + 0.619906) / 3, recall 1/2
    expect(stdout).toContain('| first stage (BM25) | 0.667 | 0.500 | 0.540 | 0.500 |');
    expect(stdout).toContain('3 queries evaluated (1 without relevant passages left out)');
    expect(stderr).toContain('first stage: 3/3\n');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.k).toBe(2);
    expect(json.rows[0].mrr).toBeCloseTo(0.5, 12);
  });

  it('marks a generated model (config.json generated_by) as random weights, and only such a model', async () => {
    const generated = await testModel('tiny-xlmr');
    const trained = join(mkdtempSync(join(tmpdir(), 'eval-cli-')), 'model');
    cpSync(generated, trained, { recursive: true });
    const config = JSON.parse(readFileSync(join(trained, 'config.json'), 'utf8')) as Record<string, unknown>;
    delete config['generated_by'];
    writeFileSync(join(trained, 'config.json'), JSON.stringify(config));

    const args = [fixture('mteb-small'), '--candidates', '3', '--dtype', 'fp32', '--model'];
    const marked = await evalCli(...args, generated);
    expect(marked.code).toBe(0);
    expect(marked.stdout).toContain(`| ${generated} (fp32) (random weights) |`);
    expect(marked.stdout).toMatch(/^\(random weights\): a generated model .*not relevance\.$/m);
    const plain = await evalCli(...args, trained);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`| ${trained} (fp32) |`);
    expect(plain.stdout).not.toContain('random weights');
  });

  it('fails with file and line on a malformed dataset, and lists skipped rows when asked', async () => {
    const strict = await evalCli(fixture('flag-malformed.jsonl'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('flag-malformed.jsonl:2: invalid JSON');
    const lenient = await evalCli(fixture('flag-malformed.jsonl'), '--skip-malformed');
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain('flag-malformed.jsonl:7: missing field neg');
    expect(lenient.stdout).toContain('7 malformed rows skipped');
  });

  it('rejects bad arguments with one line that points at --help', async () => {
    for (const args of [
      [],
      [fixture('card.csv'), '--k', '0'],
      [fixture('card.csv'), '--dtype', 'int4'],
      [fixture('card.csv'), '--nope'],
    ]) {
      const { code, stderr } = await evalCli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(/\(--help for usage\)$/)]);
    }
    const help = await evalCli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: ko-rerank eval');
  });
});
