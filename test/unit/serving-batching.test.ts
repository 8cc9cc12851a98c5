/** Cross-request batching: single predictions of separate HTTP requests share one model run (dynamic batching window, flush on size). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MicroBatcher } from '../../connectors/onnx/micro-batcher.ts';
import { gql } from '../unit/subgraph-fixtures.ts';
import { servingFixture, type ServingFixture } from '../support/serving/serving-fixture.ts';

const FRAUD = `mutation($input: FraudInput!) { scoreFraud(input: $input) { paymentId probability } }`;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

void describe('micro-batcher', () => {
  void it('merges calls of separate event-loop turns within the window', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher<number, number>(async (items) => { calls.push([...items]); return items.map((x) => x * 2); }, { maxItems: 100, windowMs: 200 });
    const first = b.submit([1]);
    await tick();
    await tick();
    const second = b.submit([2, 3]);
    assert.deepEqual(await Promise.all([first, second]), [[2], [4, 6]]);
    assert.deepEqual(calls, [[1, 2, 3]]);
  });

  void it('flushes as soon as the queue reaches maxItems, without waiting for the window', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher<number, number>(async (items) => { calls.push([...items]); return items; }, { maxItems: 4, windowMs: 3_600_000 });
    const all = [1, 2, 3, 4].map((x) => b.submit([x]));
    assert.deepEqual(calls, [[1, 2, 3, 4]], 'the fourth submit flushed the batch');
    assert.deepEqual(await Promise.all(all), [[1], [2], [3], [4]]);
    await b.drain();
  });

  void it('a failing run rejects only the callers of that batch', async () => {
    let n = 0;
    const b = new MicroBatcher<number, number>(async (items) => { n++; if (n === 1) throw new Error('boom'); return items; }, { maxItems: 2, windowMs: 0 });
    const failing = [b.submit([1]), b.submit([2])];
    const ok = b.submit([3]);
    await assert.rejects(failing[0]!, /boom/);
    await assert.rejects(failing[1]!, /boom/);
    assert.deepEqual(await ok, [3]);
  });
});

void describe('cross-request batching in the models subgraph', () => {
  let f: ServingFixture;
  before(async () => {
    // a wide window so that requests parsed one after another on a busy machine still meet
    f = await servingFixture({ runtime: { batchWindowMs: 50, batchMaxRows: 64 } });
  });
  after(async () => {
    await f.close();
  });

  const runs = async (): Promise<{ count: number; sum: number }> => {
    const values = (await f.metrics.getSingleMetric('gofuture_model_batch_size')?.get())?.values ?? [];
    const pick = (suffix: string): number => values.find((v) => (v as { metricName?: string }).metricName === `gofuture_model_batch_size${suffix}` && v.labels.model === 'fraud_score')?.value ?? 0;
    return { count: pick('_count'), sum: pick('_sum') };
  };

  void it('16 separate HTTP requests of one prediction each cost fewer model runs than requests, every caller getting its own answer', async () => {
    const inputs = Array.from({ length: 16 }, (_, i) => ({ paymentId: `b-${i}`, amount: 100 + i * 900, method: i % 2 ? 'CRYPTO' : 'CARD', regionId: 'nsk', at: '2024-05-04T18:30:00Z', knownFraudFlag: i % 3 === 0 }));
    // the answers one at a time (each its own run)
    const alone: number[] = [];
    for (const input of inputs) alone.push(((await gql(f.server.url, FRAUD, { input })).body.data as { scoreFraud: { probability: number } }).scoreFraud.probability);
    const before = await runs();
    assert.equal(before.count, 16);
    const together = await Promise.all(inputs.map((input) => gql(f.server.url, FRAUD, { input })));
    const got = together.map((r) => (r.body.data as { scoreFraud: { paymentId: string; probability: number } }).scoreFraud);
    assert.deepEqual(got.map((g) => g.paymentId), inputs.map((i) => i.paymentId));
    assert.deepEqual(got.map((g) => g.probability), alone);
    const afterRuns = await runs();
    assert.equal(afterRuns.sum - before.sum, 16, 'every row ran once');
    const used = afterRuns.count - before.count;
    assert.ok(used < 16, `16 requests took ${used} model runs: at least one run served several requests`);
  });
});
