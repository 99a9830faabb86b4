/** Test page: indexes many passages on the main thread in chunks while counting painted frames. */
import { SAMPLE_CORPUS } from '../../../src/demo/sample-corpus-data.js';

const SAMPLE_PASSAGES = SAMPLE_CORPUS.map((p) => p.text);
import { LexicalIndex } from '../../../src/retrieval/index.js';
import { monitorFrames } from './frame-monitor.js';

/** ~800-character passages: sample sentences in varying order, each tagged with a unique number. */
function passages(count: number): Array<{ id: string; text: string }> {
  return Array.from({ length: count }, (_, i) => {
    const parts = Array.from({ length: 8 }, (_, k) => SAMPLE_PASSAGES[(i * 13 + k * 7) % SAMPLE_PASSAGES.length]);
    return { id: `doc-${i}`, text: `문서 번호 ${i}번. ${parts.join(' ')}` };
  });
}

async function indexWhilePainting(count: number) {
  const docs = passages(count);
  const monitor = monitorFrames();
  const index = new LexicalIndex();
  let progressCalls = 0;
  const started = performance.now();
  await index.addAll(docs, { onProgress: () => progressCalls++ });
  const elapsedMs = performance.now() - started;
  const { frames, longestGapMs } = monitor.stop();
  const top = index.search('문서 번호 7777번', 1)[0];
  const restored = LexicalIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
  return {
    size: index.size,
    elapsedMs,
    frames,
    longestGapMs,
    progressCalls,
    topId: top?.id,
    restoredTopId: restored.search('문서 번호 7777번', 1)[0]?.id,
  };
}

/** Control for the measurement: a deliberate block must show up as a long gap between frames. */
async function blockFor(ms: number) {
  const monitor = monitorFrames();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy on purpose
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  return monitor.stop().longestGapMs;
}

declare global {
  interface Window {
    indexingTest: { indexWhilePainting: typeof indexWhilePainting; blockFor: typeof blockFor };
  }
}
window.indexingTest = { indexWhilePainting, blockFor };
document.getElementById('status')!.textContent = 'ready';
