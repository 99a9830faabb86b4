/**
 * Builds dist/node from scratch (the `ko-rerank-web/node` entry and the `ko-rerank` command): tsc with
 * tsconfig.node.json, after removing the old folder so that no file of a deleted source is published.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

rmSync('dist/node', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.node.json'], { stdio: 'inherit' });
