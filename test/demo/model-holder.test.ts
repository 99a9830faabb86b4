import { describe, expect, test } from 'vitest';
import { type Loader, ModelHolder } from '../../src/demo/model-holder.js';

class FakeModel {
  disposed = false;
  constructor(readonly name: string) {}
  dispose(): Promise<void> {
    this.disposed = true;
    return Promise.resolve();
  }
}

const never = new AbortController().signal;

describe('ModelHolder hands the loaded model to the next load', () => {
  test('the next model is loaded with the previous one in hand (to switch it in place)', async () => {
    const holder = new ModelHolder<FakeModel>();
    const seen: Array<string | null> = [];
    const loader =
      (name: string): Loader<FakeModel> =>
      async (_signal, previous) => {
        seen.push(previous?.name ?? null);
        return previous ?? new FakeModel(name); // reuses what it was given
      };
    const a = await holder.get('a', loader('a'), never);
    const b = await holder.get('b', loader('b'), never);
    expect(seen).toEqual([null, 'a']);
    expect(b).toBe(a);
    expect(a.disposed).toBe(false); // the loader kept it: the holder disposes nothing behind its back
  });

  test('a failed or stopped load hands nothing over', async () => {
    const holder = new ModelHolder<FakeModel>();
    const seen: Array<FakeModel | null> = [];
    await expect(holder.get('broken', () => Promise.reject(new Error('404')), never)).rejects.toThrow('404');
    await holder.get('a', async (_s, previous) => (seen.push(previous), new FakeModel('a')), never);
    expect(seen).toEqual([null]);

    // A load still running when another model is chosen is stopped, and the next load gets nothing.
    let stopped: AbortSignal | undefined;
    const slow = holder.get(
      'slow',
      (signal, previous) =>
        new Promise<FakeModel>((_, reject) => {
          stopped = signal;
          void previous?.dispose();
          signal.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { name: 'AbortError' })));
        }),
      never,
    );
    await new Promise((resolve) => setTimeout(resolve, 0)); // the slow loader has started
    const next = holder.get('c', async (_s, previous) => (seen.push(previous), new FakeModel('c')), never);
    await expect(slow).rejects.toThrow('cancelled');
    expect(stopped?.aborted).toBe(true);
    expect((await next).name).toBe('c');
    expect(seen).toEqual([null, null]);
  });

  test('a load superseded before its loader ran disposes the model it would have been handed', async () => {
    const holder = new ModelHolder<FakeModel>();
    const a = await holder.get('a', async () => new FakeModel('a'), never);
    const calls: string[] = [];
    const skipped = holder.get('x', async (_s, previous) => (calls.push('x'), previous!), never);
    const y = holder.get(
      'y',
      async (_s, previous) => (calls.push(`y got ${previous?.name ?? 'nothing'}`), new FakeModel('y')),
      never,
    );
    await expect(skipped).rejects.toMatchObject({ name: 'AbortError' });
    expect((await y).name).toBe('y');
    expect(calls).toEqual(['y got nothing']);
    expect(a.disposed).toBe(true);
  });
});
