/** Test page: indexes many passages on the main thread in chunks while other tasks want the thread. */
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

/**
 * Indexes `count` passages with addAll while a chain of zero-delay timers stands for the page's other
 * work (input, painting). Records the chain's count at every progress call: if it grew between two
 * chunks, the main thread was handed back between them. The frame figures are for the log only.
 */
async function indexWhilePainting(count: number) {
  const docs = passages(count);
  const monitor = monitorFrames();
  let otherTasks = 0;
  let ticking = true;
  const tick = () => {
    otherTasks++;
    if (ticking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const index = new LexicalIndex();
  const otherTasksAtProgress: number[] = [];
  const started = performance.now();
  await index.addAll(docs, { onProgress: () => otherTasksAtProgress.push(otherTasks) });
  const elapsedMs = performance.now() - started;
  ticking = false;
  const { frames, longestGapMs } = monitor.stop();
  const top = index.search('문서 번호 7777번', 1)[0];
  const restored = LexicalIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
  return {
    size: index.size,
    elapsedMs,
    frames,
    longestGapMs,
    otherTasksAtProgress,
    topId: top?.id,
    restoredTopId: restored.search('문서 번호 7777번', 1)[0]?.id,
  };
}

/** Control: the same measure around a synchronous add() must see no other task between its (one) chunk and the end. */
async function indexSynchronously(count: number) {
  const docs = passages(count);
  let otherTasks = 0;
  let ticking = true;
  const tick = () => {
    otherTasks++;
    if (ticking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  await new Promise((resolve) => setTimeout(resolve, 0)); // let the chain start
  const before = otherTasks;
  new LexicalIndex().add(docs);
  const during = otherTasks - before;
  ticking = false;
  return during;
}

declare global {
  interface Window {
    indexingTest: { indexWhilePainting: typeof indexWhilePainting; indexSynchronously: typeof indexSynchronously };
  }
}
window.indexingTest = { indexWhilePainting, indexSynchronously };
document.getElementById('status')!.textContent = 'ready';
