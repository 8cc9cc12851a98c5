/** PubSub conformance: run unchanged against every implementation (in-process, Redis). Channels are unique per test. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { subscribeIterator, type PubSub } from '../../connectors/contracts/pub-sub.ts';
import { staysTrue, uniqueName, waitFor } from './helpers.ts';

export function pubSubConformance(name: string, make: () => Promise<PubSub>, options: { readonly quietMs?: number } = {}): void {
  const quietMs = options.quietMs ?? 100;

  void describe(`PubSub conformance: ${name}`, () => {
    let bus: PubSub;
    before(async () => {
      bus = await make();
      await bus.start();
    });
    after(async () => {
      await bus.close();
    });

    void it('starts idempotently and reports health', async () => {
      await bus.start();
      assert.equal((await bus.health()).ok, true);
      assert.equal(bus.capability, 'pubSub');
    });

    void it('delivers every message to every subscriber, in order', async () => {
      const ch = uniqueName('ch');
      const a: unknown[] = [];
      const b: unknown[] = [];
      const ua = await bus.subscribe(ch, (m) => a.push(m));
      const ub = await bus.subscribe(ch, (m) => b.push(m));
      for (let i = 0; i < 20; i++) await bus.publish(ch, { i });
      await waitFor('both subscribers to get 20', () => a.length >= 20 && b.length >= 20);
      const expect = Array.from({ length: 20 }, (_, i) => ({ i }));
      assert.deepEqual(a, expect);
      assert.deepEqual(b, expect);
      await ua();
      await ub();
    });

    void it('round-trips JSON values', async () => {
      const ch = uniqueName('json');
      const got: unknown[] = [];
      const un = await bus.subscribe(ch, (m) => got.push(m));
      const messages: unknown[] = [
        { region: 'r1', window: { start: 1_714_557_600_000, trips: 12, rate: 0.25 }, tags: ['a', 'b'], none: null, ok: true },
        'text with "quotes" and ünïcödé',
        42.5,
        [1, [2, { three: 3 }]],
        null,
      ];
      for (const m of messages) await bus.publish(ch, m);
      await waitFor('all messages', () => got.length >= messages.length);
      assert.deepEqual(got, messages);
      await un();
    });

    void it('gives each subscriber its own copy', async () => {
      const ch = uniqueName('copy');
      const a: { n: number[] }[] = [];
      const b: { n: number[] }[] = [];
      const ua = await bus.subscribe(ch, (m) => {
        const x = m as { n: number[] };
        x.n.push(99);
        a.push(x);
      });
      const ub = await bus.subscribe(ch, (m) => b.push(m as { n: number[] }));
      const sent = { n: [1] };
      await bus.publish(ch, sent);
      sent.n.push(2); // the publisher's later change does not travel either
      await waitFor('both deliveries', () => a.length >= 1 && b.length >= 1);
      assert.deepEqual(a[0], { n: [1, 99] });
      assert.deepEqual(b[0], { n: [1] });
      await ua();
      await ub();
    });

    void it('stops delivering after unsubscribe', async () => {
      const ch = uniqueName('unsub');
      const a: unknown[] = [];
      const b: unknown[] = [];
      const ua = await bus.subscribe(ch, (m) => a.push(m));
      const ub = await bus.subscribe(ch, (m) => b.push(m));
      await bus.publish(ch, 1);
      await waitFor('first message', () => a.length === 1 && b.length === 1);
      await ua();
      await ua(); // idempotent
      await bus.publish(ch, 2);
      await waitFor('b to get the second', () => b.length === 2);
      await staysTrue('a to get nothing more', () => a.length === 1, quietMs);
      await ub();
    });

    void it('keeps channels isolated', async () => {
      const c1 = uniqueName('iso');
      const c2 = uniqueName('iso');
      const got1: unknown[] = [];
      const got2: unknown[] = [];
      const u1 = await bus.subscribe(c1, (m) => got1.push(m));
      const u2 = await bus.subscribe(c2, (m) => got2.push(m));
      await bus.publish(c1, 'one');
      await bus.publish(c2, 'two');
      await bus.publish(uniqueName('nobody-listens'), 'lost');
      await waitFor('both channels', () => got1.length >= 1 && got2.length >= 1);
      await staysTrue('no cross-talk', () => got1.length === 1 && got2.length === 1, quietMs);
      assert.deepEqual(got1, ['one']);
      assert.deepEqual(got2, ['two']);
      await u1();
      await u2();
    });

    void it('a throwing subscriber does not stop the others', async () => {
      const ch = uniqueName('throw');
      const got: unknown[] = [];
      const bad = await bus.subscribe(ch, () => {
        throw new Error('subscriber bug');
      });
      const good = await bus.subscribe(ch, (m) => got.push(m));
      await bus.publish(ch, 'a');
      await bus.publish(ch, 'b');
      await waitFor('the good subscriber', () => got.length >= 2);
      assert.deepEqual(got, ['a', 'b']);
      await bad();
      await good();
    });

    void it('works as an async iterator (subscribeIterator)', async () => {
      const ch = uniqueName('iter');
      const isNum = (m: unknown): m is { n: number } => typeof m === 'object' && m !== null && typeof (m as { n?: unknown }).n === 'number';
      const it = await subscribeIterator(bus, [ch], isNum);
      await bus.publish(ch, { n: 1 });
      await bus.publish(ch, 'filtered out');
      await bus.publish(ch, { n: 2 });
      assert.deepEqual((await it.next()).value, { n: 1 });
      assert.deepEqual((await it.next()).value, { n: 2 });
      await it.return?.();
      assert.equal((await it.next()).done, true);
    });

    void it('closes idempotently', async () => {
      const other = await make();
      await other.start();
      await other.close();
      await other.close();
      assert.equal((await other.health()).ok, false);
    });
  });
}
