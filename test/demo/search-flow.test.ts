/**
 * The demo's search logic without a browser: latest-wins turns, a search bound to the corpus it started
 * with, long passages cut before reranking, first-stage results kept when the reranker fails, and a
 * shared model load that a superseded search stops waiting for without stopping it.
 */
import { describe, expect, test } from 'vitest';
import type { CorpusPassage } from '../../src/demo/corpus-file.js';
import { LatestWins } from '../../src/demo/latest.js';
import {
  describeModelError,
  describeServiceError,
  incompleteChoice,
  serviceEndpoint,
  shortModelName,
} from '../../src/demo/model-errors.js';
import { ModelHolder } from '../../src/demo/model-holder.js';
import {
  type CandidateRanking,
  type CorpusSnapshot,
  RERANK_MAX_CHARACTERS,
  type SearchView,
  cancelledStatus,
  excerpt,
  indexedText,
  runSearch,
} from '../../src/demo/search-flow.js';
import { LexicalIndex } from '../../src/retrieval/index.js';

function snapshot(label: string, texts: string[]): CorpusSnapshot {
  const passages: CorpusPassage[] = texts.map((text, i) => ({ id: String(i), text }));
  const index = new LexicalIndex();
  index.add(passages.map((p) => ({ id: p.id, text: p.text })));
  return { label, passages, index };
}

/** A promise the test settles by hand, to order events exactly. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A complete ranking: every candidate scored. */
const ranks = (results: Array<{ index: number; score: number }>): CandidateRanking => ({ results, unscored: [] });

function recordingView() {
  const painted: string[] = [];
  const texts = (list: Array<{ passage: { text: string } }>) => list.map((x) => x.passage.text).join('|');
  const view: SearchView = {
    showFirstStage: (c) => painted.push(`bm25:${texts(c)}`),
    showPartial: (scored, unscored) => painted.push(`partial:${texts(scored)}/${texts(unscored)}`),
    showReranked: (r, unscored) => painted.push(`reranked:${texts(r)}${unscored.length ? `/${texts(unscored)}` : ''}`),
    showRerankError: (e) => painted.push(`error:${(e as Error).message}`),
    showNoHits: () => painted.push('no-hits'),
  };
  return { painted, view };
}

const SAMPLE = snapshot('sample', [
  '기준금리는 금융통화위원회가 결정합니다',
  '오늘 날씨는 맑습니다',
  '기준금리 인상 소식',
]);

describe('LatestWins', () => {
  test('a new turn supersedes the old one, and cancel ends the current one', () => {
    const turns = new LatestWins();
    const first = turns.begin();
    const second = turns.begin();
    expect(first.isCurrent()).toBe(false);
    expect(first.signal.aborted).toBe(true);
    expect(second.isCurrent()).toBe(true);
    expect(turns.cancel()).toBe(true);
    expect(second.isCurrent()).toBe(false);
    expect(turns.cancel()).toBe(false);
  });
});

describe('runSearch', () => {
  test('a search cancelled while the reranker runs never paints its reranked results', async () => {
    const turns = new LatestWins();
    const { painted, view } = recordingView();
    const ranking = deferred<CandidateRanking>();
    const turn = turns.begin();
    const outcome = runSearch({
      query: '기준금리',
      snapshot: SAMPLE,
      turn,
      topN: 10,
      rank: () => ranking.promise,
      view,
    });
    turns.cancel();
    ranking.resolve(
      ranks([
        { index: 1, score: 0.9 },
        { index: 0, score: 0.1 },
      ]),
    ); // the worker finished anyway
    expect(await outcome).toBe('stale');
    expect(painted.filter((p) => p.startsWith('reranked'))).toEqual([]);
  });

  test('a superseded search never paints, the newer one does', async () => {
    const turns = new LatestWins();
    const { painted, view } = recordingView();
    const slow = deferred<CandidateRanking>();
    const first = runSearch({
      query: '기준금리',
      snapshot: SAMPLE,
      turn: turns.begin(),
      topN: 10,
      rank: () => slow.promise,
      view,
    });
    const second = runSearch({
      query: '날씨',
      snapshot: SAMPLE,
      turn: turns.begin(),
      topN: 10,
      rank: async () => ranks([{ index: 0, score: 1 }]),
      view,
    });
    expect(await second).toBe('reranked');
    slow.resolve(
      ranks([
        { index: 0, score: 1 },
        { index: 1, score: 0 },
      ]),
    );
    expect(await first).toBe('stale');
    expect(painted.at(-1)).toBe('reranked:오늘 날씨는 맑습니다');
    expect(painted.filter((p) => p.startsWith('reranked'))).toHaveLength(1);
  });

  test('partials paint scored candidates first and the rest in first-stage order; a stale partial never paints', async () => {
    const turns = new LatestWins();
    const { painted, view } = recordingView();
    const ranking = deferred<CandidateRanking>();
    let report: ((partial: CandidateRanking) => void) | undefined;
    const turn = turns.begin();
    const outcome = runSearch({
      query: '기준금리',
      snapshot: SAMPLE,
      turn,
      topN: 10,
      rank: (_q, _t, _s, onPartial) => ((report = onPartial), ranking.promise),
      view,
    });
    const [firstHit, secondHit] = painted[0]!.replace(/^bm25:/, '').split('|');
    report!({ results: [{ index: 1, score: 0.8 }], unscored: [0] });
    expect(painted.at(-1)).toBe(`partial:${secondHit}/${firstHit}`);
    ranking.resolve({ results: [{ index: 1, score: 0.8 }], unscored: [0] }); // a budget left candidate 0 out
    expect(await outcome).toBe('reranked');
    expect(painted.at(-1)).toBe(`reranked:${secondHit}/${firstHit}`);
    report!({ results: [{ index: 0, score: 0.9 }], unscored: [1] }); // late, after the result
    expect(painted.filter((p) => p.startsWith('partial'))).toHaveLength(1);
    // A partial of a superseded search does not paint.
    const older = runSearch({
      query: '기준금리',
      snapshot: SAMPLE,
      turn: turns.begin(),
      topN: 10,
      rank: (_q, _t, _s, onPartial) => ((report = onPartial), new Promise(() => undefined)),
      view,
    });
    void older;
    turns.begin();
    report!({ results: [{ index: 0, score: 0.9 }], unscored: [1] });
    expect(painted.filter((p) => p.startsWith('partial'))).toHaveLength(1);
  });

  test('a search stays with the corpus it started with, even when the corpus is replaced meanwhile', async () => {
    let current = SAMPLE;
    const { painted, view } = recordingView();
    const ranking = deferred<CandidateRanking>();
    const started = runSearch({
      query: '기준금리',
      snapshot: current,
      turn: new LatestWins().begin(),
      topN: 10,
      rank: () => ranking.promise,
      view,
    });
    current = snapshot('tiny', ['다른 글']); // indices 0..1 from the first stage do not exist here
    expect(current.passages).toHaveLength(1);
    ranking.resolve(
      ranks([
        { index: 1, score: 0.7 },
        { index: 0, score: 0.2 },
      ]),
    );
    expect(await started).toBe('reranked');
    const shown = painted
      .at(-1)!
      .replace(/^reranked:/, '')
      .split('|');
    expect(shown.sort()).toEqual(['기준금리 인상 소식', '기준금리는 금융통화위원회가 결정합니다'].sort());
  });

  test('a huge passage is cut before reranking, and a reranker failure keeps the first stage on screen', async () => {
    // One unspaced run: no sentence or word end to split it at, so its only passage is the whole text.
    const huge = `기준금리${'가'.repeat(126_000)}`;
    const corpus = snapshot('long', [huge, '기준금리 짧은 글']);
    const { painted, view } = recordingView();
    let seen: string[] = [];
    const outcome = await runSearch({
      query: '기준금리',
      snapshot: corpus,
      turn: new LatestWins().begin(),
      topN: 10,
      rank: async (_q, texts) => {
        seen = texts;
        throw new Error('model missing');
      },
      view,
    });
    expect(Math.max(...seen.map((t) => t.length))).toBe(RERANK_MAX_CHARACTERS);
    expect(outcome).toBe('rerank-failed');
    expect(painted).toEqual([expect.stringMatching(/^bm25:/), 'error:model missing']);
  });
});

test('the reranker reads the passage of a long document that matched, headed by its title', async () => {
  const filler = Array.from({ length: 80 }, (_, i) => `${i}번 문단은 회의 자료의 배포 일정을 설명한다.`).join(' ');
  const topic = '지방은행이 시중은행으로 전환하려면 금융위원회의 인가를 받아야 한다.';
  const passages = [{ id: 'long', title: '은행 인가 안내서', text: `${filler} ${topic} ${filler}` }];
  const index = new LexicalIndex();
  index.add(passages.map((p) => ({ id: p.id, text: indexedText(p) })));
  let seen: string[] = [];
  await runSearch({
    query: '시중은행 전환 인가',
    snapshot: { label: 'long', passages, index },
    turn: new LatestWins().begin(),
    topN: 10,
    rank: async (_q, texts) => {
      seen = texts;
      return ranks([{ index: 0, score: 1 }]);
    },
    view: recordingView().view,
  });
  expect(seen).toHaveLength(1);
  expect(seen[0]).toContain(topic);
  expect(seen[0]!.startsWith('은행 인가 안내서. ')).toBe(true);
  expect(seen[0]!.length).toBeLessThan(indexedText(passages[0]!).length / 2);
});

test('a result shows the start of a short document, and the matched passage of a long one', () => {
  const short = { id: 's', title: '제목', text: '짧은 본문입니다.' };
  expect(excerpt({ passage: short, firstStageRank: 0, bm25: 1, matched: { start: 0, end: 11 } }, 100)).toBe(
    '짧은 본문입니다.',
  );
  expect(excerpt({ passage: short, firstStageRank: 0, bm25: 1 }, 4)).toBe('짧은 본…');
  const text = `${'가'.repeat(50)}. 찾던 문장입니다. ${'나'.repeat(50)}.`;
  const long = { id: 'l', title: '긴 문서', text };
  // indexedText is "긴 문서 " + text: the span of "찾던 문장입니다. " sits 5 characters further on.
  const at = text.indexOf('찾던');
  const candidate = { passage: long, firstStageRank: 0, bm25: 1, matched: { start: at + 5, end: at + 5 + 10 } };
  expect(indexedText(long).slice(candidate.matched.start, candidate.matched.end)).toBe('찾던 문장입니다. ');
  expect(excerpt(candidate, 9)).toBe('…찾던 문장입니다.…');
});

describe('ModelHolder', () => {
  const fake = (name: string) => ({
    name,
    disposed: false,
    async dispose() {
      this.disposed = true;
    },
  });

  test('a superseded search stops waiting, the shared load continues for the next one', async () => {
    const holder = new ModelHolder<ReturnType<typeof fake>>();
    const load = deferred<ReturnType<typeof fake>>();
    let loads = 0;
    const loader = () => (loads++, load.promise);
    const first = new AbortController();
    const waiting = holder.get('m', loader, first.signal);
    first.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    const second = holder.get('m', loader, new AbortController().signal);
    load.resolve(fake('m'));
    expect((await second).name).toBe('m');
    expect(loads).toBe(1);
  });

  test('cancelLoad stops the download; another model disposes the old one', async () => {
    const holder = new ModelHolder<ReturnType<typeof fake>>();
    let loadSignal: AbortSignal | undefined;
    const pending = holder.get(
      'a',
      (s) => ((loadSignal = s), new Promise(() => undefined)),
      new AbortController().signal,
    );
    void pending.catch(() => undefined);
    holder.cancelLoad();
    expect(loadSignal?.aborted).toBe(true);
    const a = await holder.get('a', async () => fake('a'), new AbortController().signal);
    await holder.get('b', async () => fake('b'), new AbortController().signal);
    await Promise.resolve();
    expect(a.disposed).toBe(true);
  });
});

describe('model errors in plain Korean', () => {
  test('a wrong folder URL that answers with a web page', () => {
    const text = describeModelError(
      {
        name: 'ModelLoadError',
        code: 'MODEL_LOAD_FAILED',
        message: `Unexpected token '<', "<!doctype "... is not valid JSON`,
      },
      { online: true, model: 'https://x/app/' },
    );
    expect(text).toMatch(/^"https:\/\/x\/app\/"은\(는\) 모델 폴더가 아닙니다/);
  });
  test('an unreachable hub and an offline device', () => {
    const error = {
      name: 'ModelLoadError',
      code: 'MODEL_LOAD_FAILED',
      message: 'loading config.json failed (Failed to fetch)',
    };
    expect(describeModelError(error, { online: true, model: 'Xenova/bge-reranker-base' })).toMatch(
      /^모델 "Xenova\/bge-reranker-base"을\(를\) 내려받을 수 없습니다/,
    );
    expect(describeModelError(error, { online: false, model: 'Xenova/bge-reranker-base' })).toMatch(
      /^오프라인 상태이고, .*저장되어 있지 않습니다/,
    );
  });
  test('no folder picked and no hub id typed are caught before anything is fetched', () => {
    expect(incompleteChoice({ kind: 'folder', value: '', fileCount: 0 })).toMatch(/모델 폴더를 고르지 않았습니다/);
    expect(incompleteChoice({ kind: 'custom', value: '  ' })).toMatch(/입력하세요/);
    expect(incompleteChoice({ kind: 'hub', value: 'a/b' })).toBeNull();
  });
  test('the edge service: an address must be http(s), and its failures are told apart', () => {
    expect(serviceEndpoint(' http://127.0.0.1:8080/ ')).toBe('http://127.0.0.1:8080');
    expect(serviceEndpoint('https://edge.example.com/rerank-api/')).toBe('https://edge.example.com/rerank-api');
    for (const bad of ['', '127.0.0.1:8080', 'ftp://x', 'javascript:alert(1)', 'http://'])
      expect(serviceEndpoint(bad), bad).toBeNull();
    expect(incompleteChoice({ kind: 'edge', value: 'localhost:8080' })).toMatch(/http:\/\/ 또는 https:\/\/로 시작/);
    expect(incompleteChoice({ kind: 'edge', value: 'http://localhost:8080' })).toBeNull();

    const at = { online: true, endpoint: 'http://127.0.0.1:8080' };
    const unreachable = {
      name: 'InferenceError',
      code: 'INFERENCE_FAILED',
      message: 'the rerank service at http://127.0.0.1:8080 could not be reached: Failed to fetch',
    };
    expect(describeServiceError(unreachable, at)).toMatch(
      /^에지 서비스 http:\/\/127\.0\.0\.1:8080에 연결할 수 없습니다: .*CORS/,
    );
    expect(describeServiceError(unreachable, { ...at, online: false })).toMatch(/^오프라인 상태라/);
    expect(
      describeServiceError(
        { name: 'InferenceError', message: 'the rerank service answered 401: missing or wrong API key' },
        at,
      ),
    ).toMatch(/API 키를 요구합니다 \(401\)/);
    expect(
      describeServiceError({ name: 'InferenceError', message: 'the rerank service answered 404: Not Found' }, at),
    ).toMatch(/재순위화 서비스가 아닙니다/);
    expect(
      describeServiceError({ name: 'InferenceError', message: 'the rerank service answered 503: loading' }, at),
    ).toMatch(/\(503\)/);
    expect(
      describeServiceError(
        {
          name: 'LimitExceededError',
          code: 'LIMIT_EXCEEDED',
          message: 'the rerank service refused the request (413): too many',
        },
        at,
      ),
    ).toMatch(/한도/);
    expect(
      describeServiceError({ name: 'InferenceError', message: 'the rerank service answered 500: boom' }, at),
    ).toMatch(/^에지 서비스 .*재순위화하지 못했습니다\. \(InferenceError: .*500/);
  });
  test('the status line names a model folder, not its full URL', () => {
    expect(shortModelName('http://127.0.0.1:5173/models/demo-xlmr')).toBe('demo-xlmr');
    expect(shortModelName('onnx-community/bge-reranker-v2-m3-ONNX')).toBe('onnx-community/bge-reranker-v2-m3-ONNX');
  });
});

describe('the status line after cancel says what the list shows', () => {
  test('first-stage order, a partial ranking with its scored count and the rest, or plain cancelled', () => {
    expect(cancelledStatus('bm25', 0, 30)).toBe('재순위화를 취소했습니다. 1단계(BM25) 순서 그대로입니다.');
    const partial = cancelledStatus('partial', 8, 30);
    expect(partial).toContain('채점을 마친 8개는 점수 순으로 앞에');
    expect(partial).toContain('나머지 22개는 1단계(BM25) 순서');
    expect(cancelledStatus(undefined, 0, 0)).toBe('취소했습니다.');
  });
});
