/**
 * One hub URL builder for the engine, the converter and the worker: its URLs must be the ones
 * transformers.js requests for the same settings, or the worker's fit check and cache lookups would
 * read another resource than the one transformers.js loaded.
 */
import { AutoConfig, env } from '@huggingface/transformers';
import { afterEach, expect, test } from 'vitest';
import { DEFAULT_HUB_HOST, HUB_PATH_TEMPLATE, hubBaseUrl, hubFileUrl, isHubId } from '../../src/engine/hub-address.js';

const saved = {
  fetch: env.fetch,
  remoteHost: env.remoteHost,
  remotePathTemplate: env.remotePathTemplate,
  allowLocalModels: env.allowLocalModels,
  allowRemoteModels: env.allowRemoteModels,
  useFSCache: env.useFSCache,
};
afterEach(() => Object.assign(env, saved));

/** The URL transformers.js fetches for config.json with these settings (answered with a valid config). */
async function urlTransformersRequests(host: string, template: string, model: string, revision: string) {
  const requested: string[] = [];
  Object.assign(env, {
    remoteHost: host,
    remotePathTemplate: template,
    allowLocalModels: false,
    allowRemoteModels: true,
    useFSCache: false,
    fetch: (input: string | URL) => {
      requested.push(String(input));
      return Promise.resolve(
        new Response(JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'] }), {
          headers: { 'Content-Type': 'application/json' },
        }),
      );
    },
  });
  await AutoConfig.from_pretrained(model, { revision });
  return requested;
}

test.each([
  ['main', 'test-org/tiny'],
  ['refs/pr/7', 'test-org/tiny'],
  ['v1.0 beta', 'single-name'],
])('revision %j of %s: the same URL transformers.js requests', async (revision, model) => {
  const host = 'http://127.0.0.1:9/mirror/';
  const requested = await urlTransformersRequests(host, HUB_PATH_TEMPLATE, model, revision);
  expect(requested).toContain(hubFileUrl({ host, model, revision, file: 'config.json' }));
});

test('a plain folder layout (the worker reads URLs and paths that way) gives transformers.js its URL too', async () => {
  const host = 'http://127.0.0.1:9/models/';
  const requested = await urlTransformersRequests(host, '{model}/', 'tiny', 'main');
  expect(requested).toEqual([
    hubFileUrl({ host, model: 'tiny', revision: 'main', file: 'config.json', pathTemplate: '{model}/' }),
  ]);
  expect(requested[0]).toBe('http://127.0.0.1:9/models/tiny/config.json');
});

test('hosts end in exactly one slash; none or an empty one is the hub', () => {
  expect(hubBaseUrl('http://mirror.test')).toBe('http://mirror.test/');
  expect(hubBaseUrl('http://mirror.test/base//')).toBe('http://mirror.test/base/');
  expect(hubBaseUrl(undefined)).toBe(DEFAULT_HUB_HOST);
  expect(hubBaseUrl('')).toBe(DEFAULT_HUB_HOST);
  expect(hubFileUrl({ model: 'org/m', revision: 'main', file: 'onnx/model.onnx' })).toBe(
    'https://huggingface.co/org/m/resolve/main/onnx/model.onnx',
  );
});

test.each([
  ['Xenova/bge-reranker-base', true],
  ['bert-base', true],
  ['org/../etc', false],
  ['a/b/c', false],
  ['org--name', false],
  [`${'a'.repeat(97)}/x`, false],
])('isHubId(%j) is %s', (id, expected) => {
  expect(isHubId(id)).toBe(expected);
});
