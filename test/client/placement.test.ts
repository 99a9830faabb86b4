/**
 * placement: 'auto' in Node: the rule (cached and predicted within the budget → here; else the edge
 * service; the service unreachable → here) and the placed reranker over the real edge service and the
 * Node engine standing in for the worker, with its per-call move when the service fails.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRemoteReranker } from '../../src/client/edge-service-reranker.js';
import { type PlacementEnvironment, createPlacedReranker } from '../../src/client/placed-reranker.js';
import { decidePlacement, shapeOfConfig } from '../../src/client/placement.js';
import { Reranker } from '../../src/engine/index.js';
import { EngineRunner } from '../../src/server/engine-runner.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';
import { startTestServer } from '../server/helpers.js';

describe('decidePlacement', () => {
  const budgetMs = 1000;
  test('here only when cached and predicted within the budget; the edge otherwise; here when the edge is down', () => {
    expect(decidePlacement({ modelCached: true, predictedMs: 400, budgetMs }).where).toBe('local');
    expect(decidePlacement({ modelCached: true, predictedMs: 1400, budgetMs })).toEqual({
      where: 'edge',
      reason: 'predicted 1400 ms here, over the 1000 ms budget',
    });
    expect(decidePlacement({ modelCached: false, predictedMs: 10, budgetMs }).where).toBe('edge');
    expect(decidePlacement({ modelCached: true, budgetMs }).where).toBe('edge'); // no shape, no prediction
    expect(decidePlacement({ edgeUnreachable: 'ECONNREFUSED', modelCached: false, budgetMs })).toEqual({
      where: 'local',
      reason: 'the edge service did not answer (ECONNREFUSED): running here',
    });
  });

  test('shapeOfConfig reads the four compute fields, or gives up', () => {
    expect(
      shapeOfConfig({ num_hidden_layers: 12, hidden_size: 768, num_attention_heads: 12, intermediate_size: 3072 }),
    ).toEqual({ numLayers: 12, hiddenSize: 768, numHeads: 12, intermediateSize: 3072 });
    expect(shapeOfConfig({ num_hidden_layers: 12, hidden_size: 768 })).toBeUndefined();
  });
});

describe('createPlacedReranker over the edge service and the Node engine', () => {
  let folder: string;
  let config: Record<string, unknown>;
  let engine: Reranker;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const created: string[] = [];

  beforeAll(async () => {
    folder = await testModel('tiny-xlmr');
    config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    engine = await Reranker.load({ model: folder, dtype: 'fp32' });
    server = await startTestServer({}, await EngineRunner.load({ model: folder, dtype: 'fp32' }));
  });
  afterAll(async () => {
    await server?.close();
    await engine?.dispose();
  });

  /** The Node engine stands in for the worker; the edge client is the real one. */
  const environment = (cached: boolean): PlacementEnvironment => ({
    cachedConfig: () => Promise.resolve(cached ? config : undefined),
    createLocal: async () => {
      created.push('local');
      const local = await Reranker.load({ model: folder, dtype: 'fp32' });
      return Object.assign(local, { ready: { backend: 'wasm', dtype: 'fp32', model: folder } as never });
    },
    createEdge: async (options) => {
      created.push('edge');
      return createRemoteReranker(options);
    },
  });
  const options = (endpoint: string, budgetMs: number) =>
    ({ model: 'test-org/tiny-xlmr', endpoint, placement: 'auto', budgetMs }) as const;

  test('cached and fast enough: here, and the ranking is the engine’s', async () => {
    created.length = 0;
    const placed = await createPlacedReranker(options(server.url, 2000), environment(true));
    expect(placed.ready.placement.where).toBe('local');
    expect(placed.ready.placement.reason).toMatch(/cached and predicted \d+ ms here, within the 2000 ms budget/);
    const report = await placed.rankDetailed(KOREAN_QUERY, KOREAN_PASSAGES);
    expect(report.placement.where).toBe('local');
    const expected = await engine.rank(KOREAN_QUERY, KOREAN_PASSAGES);
    expect(report.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    expect(created).toEqual(['edge', 'local']); // the edge client was only asked whether it answers
    await placed.dispose();
  });

  test('over the budget, or not cached: the edge service, and no local model is loaded', async () => {
    for (const [cached, budgetMs, reason] of [
      [true, 0.001, /over the 0 ms budget/],
      [false, 1e9, /not in this browser yet/],
    ] as const) {
      created.length = 0;
      const placed = await createPlacedReranker(options(server.url, budgetMs), environment(cached));
      expect(placed.ready).toMatchObject({ backend: 'remote', placement: { where: 'edge' } });
      expect(placed.ready.placement.reason).toMatch(reason);
      const ranked = await placed.rank(KOREAN_QUERY, KOREAN_PASSAGES);
      const expected = await engine.rank(KOREAN_QUERY, KOREAN_PASSAGES);
      expect(ranked.map((r) => r.index)).toEqual(expected.map((r) => r.index));
      expect(created).toEqual(['edge']);
      await placed.dispose();
    }
  });

  test('the edge service unreachable at start: here; failing later: the call moves here and says so', async () => {
    const down = await createPlacedReranker(options('http://127.0.0.1:9', 1e9), environment(false));
    expect(down.ready.placement).toMatchObject({ where: 'local', reason: expect.stringMatching(/did not answer/) });
    expect(await down.rank(KOREAN_QUERY, KOREAN_PASSAGES)).toHaveLength(KOREAN_PASSAGES.length);
    await down.dispose();

    const other = await startTestServer({}, await EngineRunner.load({ model: folder, dtype: 'fp32' }));
    const placed = await createPlacedReranker(options(other.url, 1e9), environment(false));
    expect(placed.ready.placement.where).toBe('edge');
    await other.close();
    const report = await placed.rankDetailed(KOREAN_QUERY, KOREAN_PASSAGES);
    expect(report.placement).toMatchObject({ where: 'local', reason: expect.stringMatching(/failed a call/) });
    expect(placed.ready.placement.where).toBe('local');
    const expected = await engine.rank(KOREAN_QUERY, KOREAN_PASSAGES);
    expect(report.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    await placed.dispose();
  });
});
