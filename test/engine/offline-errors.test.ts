/**
 * Without a network, a load or a conversion fails with a message that names the host that did not answer
 * and the ways around it (issue 20 items 3 and 7): a local folder, or a mirror. A relative path that is not
 * a folder here says so, instead of reading as an interrupted download.
 */
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { ConversionError, convertModel } from '../../src/converter/index.js';
import { ModelLoadError, Reranker } from '../../src/engine/index.js';

/** A loopback address with nothing listening: a connection there is refused at once, like a host offline. */
let closedHost: string;
beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  closedHost = `http://127.0.0.1:${port}`;
});

test('a model path that is no folder here, with its hub unreachable, says both and the way out', async () => {
  const error = await Reranker.load({ model: 'models/not-built-yet', remoteHost: closedHost }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelLoadError);
  expect(error).toMatchObject({ code: 'MODEL_LOAD_FAILED', file: 'config.json' });
  const message = (error as Error).message;
  expect(message).toContain(`there is no folder ${path.resolve('models/not-built-yet')}`);
  expect(message).toContain(`${closedHost} did not answer`);
  expect(message).toContain('ECONNREFUSED');
  expect(message).toMatch(/local model folder.*remoteHost/);
  expect(message).not.toMatch(/interrupted/);
});

test('a conversion from an unreachable hub names the host once, the file once, and the way out', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'offline-convert-')), 'model');
  const error = await convertModel({
    source: 'some-org/some-model',
    out,
    dtypes: ['q8'],
    remoteHost: closedHost,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConversionError);
  expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', file: 'config.json' });
  const message = (error as Error).message;
  expect(message.split('config.json')).toHaveLength(2);
  expect(message).toContain(`${closedHost} did not answer`);
  expect(message).toMatch(/local checkpoint folder.*--remote-host/);
});
