/** `ko-rerank serve` (scripts/serve.ts) and its keys: an empty key stops the start; a key file rotates keys. */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { testModel } from '../helpers/models.js';
import { until } from './helpers.js';

let folder: string;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
});

function serve(flags: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/serve.ts',
      '--model',
      folder,
      '--port',
      '0',
      '--quiet',
      '--drain-delay-ms',
      '0',
      ...flags,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RERANK_API_KEY: undefined, ...env } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

test('an empty key, on the command line or in RERANK_API_KEY, is refused at start (exit 1), not read as "no auth"', async () => {
  for (const [flags, env] of [
    [['--api-key', ''], {}],
    [[], { RERANK_API_KEY: '' }],
    [[], { RERANK_API_KEY: 'k1,' }],
  ] as const) {
    const server = serve([...flags], env);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/cannot start: an API key is empty/);
  }
}, 60_000);

test('keys from a file (rotation): each key in it is accepted, others are not', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ko-rerank-keys-'));
  const file = path.join(dir, 'keys');
  await writeFile(file, '# current and previous\nkey-new\n\nkey-old\n');
  const server = serve(['--api-key-file', file]);
  try {
    expect(await until(() => /ready:/.test(server.stderr()), 3000)).toBe(true);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stderr())![1]!;
    const info = (key: string) => fetch(`${url}/info`, { headers: { authorization: `Bearer ${key}` } });
    expect((await info('key-new')).status).toBe(200);
    expect((await info('key-old')).status).toBe(200);
    expect((await info('# current and previous')).status).toBe(401);
    expect((await info('key')).status).toBe(401);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}, 60_000);
