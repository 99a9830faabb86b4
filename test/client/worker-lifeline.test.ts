/**
 * The lifeline's heartbeat watch (client/worker-lifeline.ts), on simulated time: a worker that falls
 * silent while a call waits on it is ended as crashed, and only then.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { WorkerCrashedError } from '../../src/engine/errors.js';
import { WorkerLifeline } from '../../src/client/worker-lifeline.js';
import type { Beat } from '../../src/worker/heartbeat.js';

const GRACE_MS = 15_000;

/** A worker as the lifeline sees it: events and terminate. */
function fakeWorker() {
  const target = new EventTarget();
  return Object.assign(target, { terminate: vi.fn() }) as unknown as Worker & { terminate: ReturnType<typeof vi.fn> };
}

/** The page's end of the heartbeat channel; `beat` delivers a message from the worker. */
function fakePort() {
  const port = { onmessage: null as ((event: { data: Beat }) => void) | null };
  return { port: port as unknown as MessagePort, beat: (silenceMs = 0) => port.onmessage?.({ data: { silenceMs } }) };
}

/** A call that never answers, and how it ended (if it did). */
function waitingCall(lifeline: WorkerLifeline) {
  const outcome: { error?: unknown } = {};
  void lifeline.answer(new Promise(() => undefined)).catch((error: unknown) => (outcome.error = error));
  return outcome;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WorkerLifeline heartbeat', () => {
  test('a worker silent past the grace while a call waits: the call rejects with WorkerCrashedError and the worker is terminated', async () => {
    const worker = fakeWorker();
    const lifeline = new WorkerLifeline(worker);
    const { port } = fakePort();
    lifeline.listen(port, GRACE_MS);
    const call = waitingCall(lifeline);
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1_000);
    expect(call.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(call.error).toBeInstanceOf(WorkerCrashedError);
    expect((call.error as Error).message).toMatch(/stopped answering \(silent for 1[5-7]\d{3} ms/);
    expect(worker.terminate).toHaveBeenCalledTimes(1);
    expect(lifeline.ended).toBe(call.error);
  });

  test('a worker that keeps beating is never ended, however long the call takes', async () => {
    const worker = fakeWorker();
    const lifeline = new WorkerLifeline(worker);
    const { port, beat } = fakePort();
    lifeline.listen(port, GRACE_MS);
    const call = waitingCall(lifeline);
    for (let second = 0; second < 120; second++) {
      beat();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(call.error).toBeUndefined();
    expect(worker.terminate).not.toHaveBeenCalled();
  });

  test('a model run announced with its bound may be silent that long plus the grace, not longer', async () => {
    const worker = fakeWorker();
    const lifeline = new WorkerLifeline(worker);
    const { port, beat } = fakePort();
    lifeline.listen(port, GRACE_MS);
    const call = waitingCall(lifeline);
    beat(60_000); // a run bounded at 60 s starts and holds the worker's thread
    await vi.advanceTimersByTimeAsync(60_000 + GRACE_MS - 1_000);
    expect(call.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(call.error).toBeInstanceOf(WorkerCrashedError);
  });

  test('silence while no call waits ends nothing; a call made later is judged from the last beat', async () => {
    const worker = fakeWorker();
    const lifeline = new WorkerLifeline(worker);
    const { port } = fakePort();
    lifeline.listen(port, GRACE_MS);
    await vi.advanceTimersByTimeAsync(10 * GRACE_MS);
    expect(worker.terminate).not.toHaveBeenCalled();
    expect(lifeline.ended).toBeNull();
    const call = waitingCall(lifeline); // the worker has been silent for long: it is gone
    await vi.advanceTimersByTimeAsync(2_000);
    expect(call.error).toBeInstanceOf(WorkerCrashedError);
  });

  test('a call that settles stops being watched: later silence ends nothing', async () => {
    const worker = fakeWorker();
    const lifeline = new WorkerLifeline(worker);
    const { port } = fakePort();
    lifeline.listen(port, GRACE_MS);
    await expect(lifeline.answer(Promise.resolve('ranked'))).resolves.toBe('ranked');
    await vi.advanceTimersByTimeAsync(5 * GRACE_MS);
    expect(worker.terminate).not.toHaveBeenCalled();
  });
});
