/**
 * The subscription hub (gateway/subscriptions-hub.ts): one upstream per key whatever the number of
 * subscribers, every value to every subscriber in order, a subscriber that does not read dropped
 * at its bound while the others go on, the upstream ended with its last subscriber, and a final
 * (error) answer handed to every joiner without keeping an upstream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSubscriptionHub, type Opened } from '../../gateway/subscriptions-hub.ts';

/** An upstream fed by hand, which records whether it was ended. */
function source(): { push(v: number): void; ended: () => boolean; iterable: AsyncIterable<number> } {
  const queue: number[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
        const v = queue.shift();
        return v === undefined ? { value: undefined, done: true } : { value: v, done: false };
      },
      async return() {
        ended = true;
        wake?.();
        return { value: undefined, done: true };
      },
    }),
  };
  return {
    push(v) {
      queue.push(v);
      wake?.();
    },
    ended: () => ended,
    iterable,
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function take(it: AsyncIterator<number>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

void describe('subscription hub', () => {
  void it('opens one upstream per key and gives every subscriber every value in order', async () => {
    const hub = createSubscriptionHub<number>();
    const up = source();
    let opens = 0;
    const open = async (): Promise<Opened<number>> => {
      opens++;
      return { kind: 'live', source: up.iterable };
    };
    const opts = { maxQueued: 100, onOverflow: () => undefined };
    const joined = await Promise.all([hub.join('k', open, opts), hub.join('k', open, opts), hub.join('k', open, opts)]);
    assert.equal(opens, 1);
    assert.equal(hub.upstreams(), 1);
    assert.equal(hub.subscribers(), 3);
    for (let i = 1; i <= 5; i++) up.push(i);
    for (const j of joined) {
      assert.equal(j.kind, 'live');
      if (j.kind === 'live') assert.deepEqual(await take(j.iterator, 5), [1, 2, 3, 4, 5]);
    }
    const other = await hub.join('other', async () => ({ kind: 'live', source: source().iterable }), opts);
    assert.equal(hub.upstreams(), 2);
    if (other.kind === 'live') await other.iterator.return?.();
  });

  void it('drops a subscriber that does not read at its bound; the others get everything; the last one leaving ends the upstream', async () => {
    const hub = createSubscriptionHub<number>();
    const up = source();
    const overflows: string[] = [];
    const open = async (): Promise<Opened<number>> => ({ kind: 'live', source: up.iterable });
    const slow = await hub.join('k', open, { maxQueued: 3, onOverflow: () => void overflows.push('slow') });
    const fast = await hub.join('k', open, { maxQueued: 3, onOverflow: () => void overflows.push('fast') });
    assert.ok(slow.kind === 'live' && fast.kind === 'live');
    const got: number[] = [];
    for (let i = 1; i <= 10; i++) {
      up.push(i);
      got.push(...(await take(fast.iterator, 1)));
    }
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(overflows, ['slow']);
    assert.equal(hub.subscribers(), 1);
    assert.deepEqual(await slow.iterator.next(), { value: undefined, done: true }, 'a dropped subscriber ends');
    assert.equal(up.ended(), false);
    await fast.iterator.return?.();
    await tick();
    assert.equal(up.ended(), true);
    assert.equal(hub.upstreams(), 0);
  });

  void it('hands a final answer to every joiner and keeps no upstream for it; the next join opens again', async () => {
    const hub = createSubscriptionHub<number>();
    let opens = 0;
    const open = async (): Promise<Opened<number>> => {
      opens++;
      return { kind: 'final', value: { errors: [{ message: 'no' }] } };
    };
    const opts = { maxQueued: 10, onOverflow: () => undefined };
    const [a, b] = await Promise.all([hub.join('k', open, opts), hub.join('k', open, opts)]);
    assert.deepEqual(a, { kind: 'final', value: { errors: [{ message: 'no' }] } });
    assert.deepEqual(b, a);
    assert.equal(opens, 1);
    await tick();
    assert.equal(hub.upstreams(), 0);
    await hub.join('k', open, opts);
    assert.equal(opens, 2);
  });
});
