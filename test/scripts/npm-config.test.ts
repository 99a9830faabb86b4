/**
 * npm runs in this repository without warnings (issue 20 item 8): no project config key npm does not know,
 * and every dependency install script decided in package.json's allowScripts (allowed or denied), so
 * `npm install` neither asks about one nor runs one by accident. The engine works without the denied
 * scripts: every Node test loads onnxruntime-node's bundled CPU binary.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

function npm(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return promisify(execFile)('npm', args, { cwd: ROOT, env });
}

describe('npm in this repository', () => {
  it('knows every project config key (no "Unknown project config" warning)', async () => {
    const { stderr } = await npm('pkg', 'get', 'name');
    expect(stderr).not.toMatch(/npm warn/i);
  });

  it('has every installed dependency install script decided in allowScripts', async () => {
    const { stdout, stderr } = await npm('install-scripts', 'ls');
    expect(stderr).not.toMatch(/npm warn/i);
    expect(stdout).toMatch(/^No packages with unreviewed install scripts/);
  });

  it('denies onnxruntime-node its CUDA download', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      allowScripts?: Record<string, boolean>;
    };
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });
});
