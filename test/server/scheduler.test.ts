/** The cross-request scheduler on a fake model: budgets, length sorting, sharing, fairness, overload, cancellation. */
import { describe, expect, test } from 'vitest';
import { CancelledError, OverloadedError, TimeoutError, UnavailableError } from '../../src/server/errors.js';
import { type ModelRunner, Scheduler, type SchedulerOptions } from '../../src/server/scheduler.js';

/** A model whose logit for a pair is a function of its texts, recording every run, optionally held at a gate. */
class FakeModel implements ModelRunner<[string, string]> {
  runs: Array<{ pairs: Array<[string, string]>; maxLength: number }> = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  async run(pairs: Array<[string, string]>, maxLength: number): Promise<number[]> {
    this.runs.push({ pairs, maxLength });
    if (this.gate) await this.gate;
    return pairs.map(([q, d]) => logitOf(q, d));
  }
}

const pairs = (query: string, documents: string[]) => documents.map((d): [string, string] => [query, d]);
const logitOf = (q: string, d: string) => (q.length * 31 + d.length * 7 + d.charCodeAt(0)) % 97;
const options = (over: Partial<SchedulerOptions> = {}): SchedulerOptions => ({
  batchTokens: 64,
  maxBatchRows: 64,
  crossRequest: true,
  maxQueuedPairs: 1000,
  ...over,
});
const docs = (prefix: string, lengths: number[]) => lengths.map((n, i) => `${prefix}${i}${'x'.repeat(n)}`);
/** Waits until `predicate` holds, a bounded number of event-loop turns. */
async function until(predicate: () => boolean, turns = 200): Promise<void> {
  for (let i = 0; i < turns && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

describe('Scheduler', () => {
  test('concurrent requests share runs; every run fits the padded-token budget; each caller gets its own logits in its order', async () => {
    const model = new FakeModel();
    const scheduler = new Scheduler(model, options({ batchTokens: 40 }));
    const requests = Array.from({ length: 6 }, (_, r) => {
      const lengths = Array.from({ length: 5 }, (_, i) => 2 + ((r * 5 + i * 3) % 9));
      return { query: `q${r}`, documents: docs(`r${r}d`, lengths), lengths };
    });
    const results = await Promise.all(
      requests.map((r) => scheduler.submit({ items: pairs(r.query, r.documents), lengths: r.lengths, maxLength: 512 })),
    );
    results.forEach((logits, r) =>
      expect(logits).toEqual(requests[r]!.documents.map((d) => logitOf(requests[r]!.query, d))),
    );
    // Lengths of each run's rows (looked up by text), to check the budget and the sort.
    const lengthOf = new Map(requests.flatMap((r) => r.documents.map((d, i) => [d, r.lengths[i]!] as const)));
    for (const run of model.runs) {
      const lengths = run.pairs.map(([, d]) => lengthOf.get(d)!);
      expect(Math.max(...lengths) * lengths.length).toBeLessThanOrEqual(40);
    }
    expect(model.runs.some((run) => new Set(run.pairs.map(([q]) => q)).size > 1)).toBe(true);
    expect(model.runs.reduce((n, run) => n + run.pairs.length, 0)).toBe(30);
  });

  test('without cross-request batching a run holds one request only', async () => {
    /** Queries of each run when three requests wait together behind a held first run. */
    const runsOf = async (crossRequest: boolean): Promise<string[][]> => {
      const model = new FakeModel();
      model.hold();
      const scheduler = new Scheduler(model, options({ crossRequest }));
      const done = Promise.all(
        [0, 1, 2].map((r) =>
          scheduler.submit({ items: pairs(`q${r}`, docs('d', [3, 4])), lengths: [3, 4], maxLength: 512 }),
        ),
      );
      await until(() => model.runs.length === 1);
      model.release();
      await done;
      return model.runs.map((run) => run.pairs.map(([q]) => q));
    };
    // The control: with sharing on, the two waiting requests go in one run, so this setup can tell.
    expect((await runsOf(true)).some((queries) => new Set(queries).size > 1)).toBe(true);
    const separate = await runsOf(false);
    expect(separate).toHaveLength(3);
    for (const queries of separate) expect(queries).toHaveLength(2);
    expect(separate.map((queries) => [...new Set(queries)]).sort()).toEqual([['q0'], ['q1'], ['q2']]);
  });

  test('rows fitted to different token limits never share a run', async () => {
    const model = new FakeModel();
    model.hold();
    const scheduler = new Scheduler(model, options());
    // A blocker holds the model so both requests wait together and could be merged.
    const blocker = scheduler.submit({ items: pairs('blocker', ['b']), lengths: [2], maxLength: 512 });
    await until(() => model.runs.length === 1);
    const waiting = Promise.all([
      scheduler.submit({ items: pairs('a', docs('a', [3, 3])), lengths: [3, 3], maxLength: 512 }),
      scheduler.submit({ items: pairs('b', docs('b', [3, 3])), lengths: [3, 3], maxLength: 100 }),
    ]);
    model.release();
    await Promise.all([blocker, waiting]);
    const after = model.runs.slice(1);
    expect(after.map((run) => [...new Set(run.pairs.map(([q]) => q))])).toEqual(
      after.map((run) => (run.maxLength === 100 ? ['b'] : ['a'])),
    );
    expect(after.map((r) => r.maxLength).sort()).toEqual([100, 512]);
  });

  test('a full queue refuses with OverloadedError (and a Retry-After) without touching what is queued', async () => {
    const model = new FakeModel();
    model.hold();
    const scheduler = new Scheduler(model, options({ maxQueuedPairs: 5 }));
    const first = scheduler.submit({
      items: pairs('q', docs('d', [2, 2, 2, 2])),
      lengths: [2, 2, 2, 2],
      maxLength: 512,
    });
    const refused = scheduler.submit({ items: pairs('q', docs('e', [2, 2])), lengths: [2, 2], maxLength: 512 });
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ status: 429, retryAfter: expect.any(Number) });
    expect(scheduler.pairsQueued).toBe(4);
    model.release();
    expect(await first).toHaveLength(4);
    expect(scheduler.pairsQueued).toBe(0);
  });

  test('an aborted request leaves the queue at once and its rows never reach the model', async () => {
    const model = new FakeModel();
    model.hold();
    const drops: Array<[number, string]> = [];
    const scheduler = new Scheduler(model, options(), undefined, (n, reason) => drops.push([n, reason]));
    const first = scheduler.submit({ items: pairs('first', docs('f', [2])), lengths: [2], maxLength: 512 });
    await until(() => model.runs.length === 1);
    const controller = new AbortController();
    const second = scheduler.submit({
      items: pairs('second', docs('s', [2, 2, 2])),
      lengths: [2, 2, 2],
      maxLength: 512,
      signal: controller.signal,
    });
    expect(scheduler.pairsQueued).toBe(4);
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    expect(scheduler.pairsQueued).toBe(1);
    model.release();
    await first;
    expect(model.runs.flatMap((r) => r.pairs.map(([q]) => q))).not.toContain('second');
    expect(drops).toEqual([[3, 'client_closed']]);
  });

  test('a request over its time limit is rejected with TimeoutError and dropped', async () => {
    const model = new FakeModel();
    model.hold();
    const scheduler = new Scheduler(model, options());
    const first = scheduler.submit({ items: pairs('first', docs('f', [2])), lengths: [2], maxLength: 512 });
    await until(() => model.runs.length === 1);
    const late = scheduler.submit({
      items: pairs('late', docs('l', [2])),
      lengths: [2],
      maxLength: 512,
      timeoutMs: 20,
    });
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    model.release();
    await first;
    expect(model.runs.flatMap((r) => r.pairs.map(([q]) => q))).not.toContain('late');
  });

  test('after stopAccepting new work is refused, queued work finishes, idle() resolves', async () => {
    const model = new FakeModel();
    model.hold();
    const scheduler = new Scheduler(model, options());
    const queued = scheduler.submit({ items: pairs('q', docs('d', [2, 3])), lengths: [2, 3], maxLength: 512 });
    scheduler.stopAccepting();
    await expect(
      scheduler.submit({ items: pairs('q', docs('d', [2])), lengths: [2], maxLength: 512 }),
    ).rejects.toBeInstanceOf(UnavailableError);
    const idle = scheduler.idle();
    model.release();
    await idle;
    expect(await queued).toHaveLength(2);
  });

  test('a failing model run rejects only the requests in that run', async () => {
    let calls = 0;
    const scheduler = new Scheduler<[string, string]>(
      { run: async (items) => (calls++ === 0 ? Promise.reject(new Error('boom')) : items.map(() => 1)) },
      options({ crossRequest: false }),
    );
    const a = scheduler.submit({ items: pairs('a', ['x']), lengths: [2], maxLength: 512 });
    const b = scheduler.submit({ items: pairs('b', ['y']), lengths: [2], maxLength: 512 });
    await expect(a).rejects.toThrow('boom');
    expect(await b).toEqual([1]);
  });

  test('the oldest request is not overtaken for ever by a stream of later, longer ones', async () => {
    const model = new FakeModel();
    model.hold();
    const scheduler = new Scheduler(model, options({ batchTokens: 8 }));
    // The old request has short rows: a plain longest-first pick would always choose the newcomers' long rows.
    const blocker = scheduler.submit({ items: pairs('blocker', ['b']), lengths: [8], maxLength: 512 });
    await until(() => model.runs.length === 1);
    const old = scheduler.submit({
      items: pairs('old', docs('o', [1, 1, 1, 1])),
      lengths: [1, 1, 1, 1],
      maxLength: 512,
    });
    const newcomers = Array.from({ length: 20 }, (_, i) =>
      scheduler.submit({ items: pairs(`new${i}`, docs('n', [8])), lengths: [8], maxLength: 512 }),
    );
    model.release();
    await Promise.all([blocker, old, ...newcomers]);
    const oldRun = model.runs.findIndex((run) => run.pairs.some(([q]) => q === 'old'));
    expect(oldRun).toBe(1); // the run right after the blocker, although 20 longer rows were waiting
  });
});
