/**
 * Test page: the framework adapters over the worker reranker, as an app would use them: the real `ai`
 * package's rerank() with koRerank.reranking, and LangChain's document compressor. Exposed to
 * Playwright as `window.adaptersTest`.
 */
import { Document } from '@langchain/core/documents';
import { rerank } from 'ai';
import { koRerank } from '../../../src/adapters/ai-sdk.js';
import { KoRerankCompressor } from '../../../src/adapters/langchain.js';
import { createReranker } from '../../../src/client/index.js';

async function run(host: string, query: string, passages: string[]) {
  const reranker = await createReranker({
    model: 'test-org/tiny-xlmr',
    remoteHost: host,
    device: 'wasm',
    dtype: 'fp32',
    browserCache: false,
  });
  try {
    const model = koRerank.reranking(reranker);
    const strings = await rerank({ model, query, documents: passages, topN: 3 });
    const objects = await rerank({
      model: koRerank.reranking(reranker, { fields: ['title', 'body'] }),
      query,
      documents: passages.map((body, i) => ({ title: `제목 ${i}`, body })),
    });
    const kept = await new KoRerankCompressor({ reranker, topN: 3 }).compressDocuments(
      passages.map((pageContent, i) => new Document({ pageContent, metadata: { i } })),
      query,
    );
    const controller = new AbortController();
    const aborted = rerank({ model, query, documents: passages, abortSignal: controller.signal, maxRetries: 0 });
    controller.abort();
    const abortOutcome = await aborted.then(
      () => 'fulfilled',
      (error: { name?: string }) => error.name,
    );
    return {
      strings: strings.ranking.map((r) => ({ index: r.originalIndex, score: r.score })),
      metadata: strings.providerMetadata?.['ko-rerank'],
      objects: objects.ranking.map((r) => ({ index: r.originalIndex, score: r.score })),
      langchain: kept.map((d) => ({ i: d.metadata['i'] as number, score: d.metadata['relevanceScore'] as number })),
      abortOutcome,
    };
  } finally {
    await reranker.dispose();
  }
}

declare global {
  interface Window {
    adaptersTest: { run: typeof run };
  }
}
window.adaptersTest = { run };
document.getElementById('status')!.textContent = 'ready';
