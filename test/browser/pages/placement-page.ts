/** Test page: createReranker with placement 'auto', as an app would call it; exposed as `window.placementTest`. */
import { type CreateRerankerOptions, type PlacedRerankerOptions, createReranker } from '../../../src/client/index.js';

async function place(options: PlacedRerankerOptions, query: string, documents: string[]) {
  const reranker = await createReranker(options);
  try {
    const report = await reranker.rankDetailed(query, documents);
    return {
      backend: reranker.ready.backend,
      placement: reranker.ready.placement,
      reportPlacement: report.placement,
      results: report.results.map(({ index, score }) => ({ index, score })),
    };
  } finally {
    await reranker.dispose();
  }
}

/** Loads the model in a plain worker reranker once, so that its files are in this browser's cache. */
async function warmCache(options: CreateRerankerOptions) {
  const reranker = await createReranker(options);
  await reranker.dispose();
}

declare global {
  interface Window {
    placementTest: { place: typeof place; warmCache: typeof warmCache };
  }
}
window.placementTest = { place, warmCache };
document.getElementById('status')!.textContent = 'ready';
