/** /info and the model's place on disk: hidden by default, shown only when the operator asks. */
import { expect, test } from 'vitest';
import type { EngineRunner } from '../../src/server/engine-runner.js';
import { createRerankService } from '../../src/server/service.js';

const FOLDER = '/srv/private/models/bge-reranker-base';
const neverLoads = () => new Promise<EngineRunner>(() => {}); // /info answers while loading too

async function info(infoShowsModelPath?: boolean): Promise<{ text: string; body: Record<string, unknown> }> {
  const service = createRerankService({ model: FOLDER, log: false, infoShowsModelPath }, neverLoads);
  const response = await service.fetch(new Request('http://localhost/info'));
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, body: JSON.parse(text) as Record<string, unknown> };
}

test('/info names a model folder by its last segment only, unless infoShowsModelPath', async () => {
  const hidden = await info();
  expect(hidden.text).not.toContain('/srv/private');
  // rerank-*: Cohere's model names, answered by default (cohere-drop-in.test.ts).
  expect(hidden.body).toMatchObject({ model_id: 'bge-reranker-base', model_names: ['bge-reranker-base', 'rerank-*'] });
  const shown = await info(true);
  expect(shown.body).toMatchObject({ model_id: FOLDER, model_names: [FOLDER, 'bge-reranker-base', 'rerank-*'] });
});
