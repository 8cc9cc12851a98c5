/**
 * EventLog conformance: run unchanged against every EventLog implementation (in-process, Kafka).
 * Topic and group names are unique per test, so it can run against a shared broker; waits poll.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consumerLag, type ConsumedBatch, type ConsumerHandle, type EventLog, type LogRecord } from '../../connectors/contracts/event-log.ts';
import type { TopicSpec } from '../../schema/events/topics.ts';
import { staysTrue, uniqueName, waitFor, withCode } from './helpers.ts';

export interface EventLogSuiteOptions {
  /** Upper bound of every wait (a real broker needs seconds for a group join). Default 15 s. */
  readonly timeoutMs?: number;
  /** How long "nothing more arrives" is watched. Default 150 ms. */
  readonly quietMs?: number;
}

const spec = (name: string, partitions: number): TopicSpec => ({ name, partitions, keyField: 'key', retentionMs: 3_600_000, compression: 'none' });

interface Collector {
  readonly handle: ConsumerHandle;
  readonly batches: ConsumedBatch[];
  readonly records: LogRecord[];
}

const id = (r: LogRecord): string => `${r.partition}:${r.offset}`;

function assertBatchShape(b: ConsumedBatch): void {
  assert.ok(b.records.length > 0, 'a batch is never empty');
  b.records.forEach((r, i) => {
    assert.equal(r.topic, b.topic);
    assert.equal(r.partition, b.partition);
    if (i > 0) assert.equal(BigInt(r.offset), BigInt(b.records[i - 1]!.offset) + 1n, 'offsets of a batch are consecutive');
  });
}

export function eventLogConformance(name: string, make: () => Promise<EventLog>, options: EventLogSuiteOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const quietMs = options.quietMs ?? 150;
  const until = (what: string, check: () => boolean | Promise<boolean>): Promise<void> => waitFor(what, check, { timeoutMs });

  void describe(`EventLog conformance: ${name}`, () => {
    let log: EventLog;
    const handles: ConsumerHandle[] = [];

    const topic = async (partitions: number): Promise<string> => {
      const t = uniqueName('conf-topic');
      await log.ensureTopics([spec(t, partitions)]);
      return t;
    };
    const publish = (t: string, values: readonly string[], key?: (i: number) => string) =>
      log.publish(t, values.map((value, i) => ({ key: key ? key(i) : `k${i}`, value })));
    const collect = async (t: string, groupId: string, o: { fromBeginning?: boolean; maxBatchSize?: number; onBatch?: (b: ConsumedBatch) => Promise<void> } = {}): Promise<Collector> => {
      const batches: ConsumedBatch[] = [];
      const records: LogRecord[] = [];
      const handle = await log.consume({
        groupId, topics: [t], fromBeginning: o.fromBeginning, maxBatchSize: o.maxBatchSize,
        handler: async (b) => {
          await o.onBatch?.(b);
          batches.push(b);
          records.push(...b.records);
        },
      });
      handles.push(handle);
      return { handle, batches, records };
    };

    before(async () => {
      log = await make();
      await log.start();
    });
    after(async () => {
      await Promise.all(handles.map((h) => h.stop()));
      await log.close();
    });

    void it('starts idempotently, reports health, ensureTopics keeps existing topics', async () => {
      await log.start();
      assert.equal((await log.health()).ok, true);
      assert.equal(log.capability, 'eventLog');
      const t = await topic(3);
      await publish(t, ['a', 'b']);
      await log.ensureTopics([spec(t, 3)]);
      const end = await log.endOffsets(t);
      assert.deepEqual(Object.keys(end).map(Number).sort(), [0, 1, 2]);
      assert.equal(Object.values(end).reduce((s, o) => s + Number(o), 0), 2);
    });

    void it('sends equal keys to one partition and keeps publish order', async () => {
      const t = await topic(4);
      const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
      const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
      const res = await publish(t, values, (i) => keys[i % keys.length]!);
      assert.equal(res.length, 40);
      const partOf = new Map<string, number>();
      res.forEach((r, i) => {
        const k = keys[i % keys.length]!;
        assert.ok(r.partition >= 0 && r.partition < 4);
        assert.equal(partOf.get(k) ?? r.partition, r.partition, `key ${k} stays on one partition`);
        partOf.set(k, r.partition);
      });
      const again = await log.publish(t, keys.map((key) => ({ key, value: 'later' })));
      again.forEach((r, i) => assert.equal(r.partition, partOf.get(keys[i]!)));
      for (const k of keys) assert.equal(await log.partitionFor(t, k), partOf.get(k), `partitionFor(${k}) names where publish put it`);
      for (const k of keys) {
        const p = partOf.get(k)!;
        const recs = await log.read(t, p, '0', 1000);
        recs.forEach((r, i) => i > 0 && assert.ok(BigInt(r.offset) > BigInt(recs[i - 1]!.offset)));
        const mine = recs.filter((r) => r.key === k).map((r) => r.value);
        const expect = values.filter((_, i) => i % keys.length === keys.indexOf(k));
        assert.deepEqual(mine, [...expect, 'later'], `order of key ${k}`);
      }
    });

    void it('delivers every record to each of two groups', async () => {
      const t = await topic(3);
      const values = Array.from({ length: 30 }, (_, i) => `r${i}`);
      await publish(t, values);
      const a = await collect(t, uniqueName('conf-group-a'));
      const b = await collect(t, uniqueName('conf-group-b'));
      await until('both groups to get everything', () => a.records.length >= 30 && b.records.length >= 30);
      await staysTrue('no extra deliveries', () => a.records.length === 30 && b.records.length === 30, quietMs);
      assert.deepEqual(a.records.map((r) => r.value).sort(), [...values].sort());
      assert.deepEqual(b.records.map((r) => r.value).sort(), [...values].sort());
      for (const batch of [...a.batches, ...b.batches]) assertBatchShape(batch);
    });

    void it('splits a group over two members: disjoint sets, union is everything, one handler per partition at a time', async () => {
      const t = await topic(4);
      const group = uniqueName('conf-group');
      const inFlight = new Map<number, number>();
      let overlap = false;
      const onBatch = async (b: ConsumedBatch): Promise<void> => {
        const n = (inFlight.get(b.partition) ?? 0) + 1;
        inFlight.set(b.partition, n);
        if (n > 1) overlap = true;
        await new Promise((r) => setTimeout(r, 2));
        inFlight.set(b.partition, n - 1);
      };
      const a = await collect(t, group, { onBatch, maxBatchSize: 5 });
      const b = await collect(t, group, { onBatch, maxBatchSize: 5 });
      const values = Array.from({ length: 80 }, (_, i) => `m${i}`);
      await publish(t, values, (i) => `key-${i % 40}`);
      await until('the group to get everything', () => a.records.length + b.records.length >= 80);
      await staysTrue('no extra deliveries', () => a.records.length + b.records.length === 80, quietMs);
      const ia = new Set(a.records.map(id));
      const ib = new Set(b.records.map(id));
      assert.ok(ia.size > 0 && ib.size > 0, `both members get work (a=${ia.size}, b=${ib.size})`);
      assert.deepEqual([...ia].filter((x) => ib.has(x)), [], 'members get disjoint records');
      assert.deepEqual([...a.records, ...b.records].map((r) => r.value).sort(), [...values].sort());
      const pa = new Set(a.records.map((r) => r.partition));
      assert.ok(b.records.every((r) => !pa.has(r.partition)), 'a partition belongs to one member');
      assert.equal(overlap, false, 'one handler call per partition at a time');
      for (const batch of [...a.batches, ...b.batches]) {
        assertBatchShape(batch);
        assert.ok(batch.records.length <= 5, 'maxBatchSize is respected');
      }
    });

    void it('commits only after the handler resolves; a restarted consumer resumes without loss or duplicates', async () => {
      const t = await topic(1);
      const group = uniqueName('conf-group');
      await publish(t, ['a0', 'a1', 'a2']);
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      let entered = false;
      const c1 = await collect(t, group, { onBatch: async () => { entered = true; await gate; } });
      await until('the handler to be called', () => entered);
      assert.deepEqual(await log.committedOffsets(group, t), {}, 'nothing committed while the handler runs');
      open();
      await until('the first records to be committed', async () => (await log.committedOffsets(group, t))[0] === '3');
      await publish(t, ['b0', 'b1']);
      await until('c1 to commit the b records', async () => (await log.committedOffsets(group, t))[0] === '5');
      await c1.handle.stop();
      assert.deepEqual(c1.records.map((r) => r.value), ['a0', 'a1', 'a2', 'b0', 'b1']);

      await publish(t, ['c0', 'c1', 'c2']);
      const c2 = await collect(t, group);
      await until('c2 to get the new records', () => c2.records.length >= 3);
      await staysTrue('no replay of committed work', () => c2.records.length === 3, quietMs);
      assert.deepEqual(c2.records.map((r) => r.value), ['c0', 'c1', 'c2']);
      assert.deepEqual(c2.records.map((r) => r.offset), ['5', '6', '7']);
      await until('c2 to commit', async () => (await log.committedOffsets(group, t))[0] === '8');
    });

    void it('stop() waits for the handler in flight and its commit', async () => {
      const t = await topic(1);
      const group = uniqueName('conf-group');
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      let entered = false;
      const c = await collect(t, group, { onBatch: async () => { entered = true; await gate; } });
      await publish(t, ['x0', 'x1']);
      await until('the handler to be called', () => entered);
      let stopped = false;
      const stopping = c.handle.stop().then(() => (stopped = true));
      await staysTrue('stop to wait for the handler', () => !stopped, quietMs);
      open();
      await stopping;
      assert.ok(c.records.length >= 1);
      assert.deepEqual(await log.committedOffsets(group, t), { 0: String(c.records.length) }, 'the batch in flight is committed');
    });

    void it('redelivers the same records after a handler rejection', async () => {
      const t = await topic(1);
      const group = uniqueName('conf-group');
      await publish(t, ['f0', 'f1', 'f2']);
      const attempts: string[][] = [];
      let committedDuringRetry: Record<number, string> | null = null;
      const handle = await log.consume({
        groupId: group, topics: [t],
        handler: async (b) => {
          attempts.push(b.records.map((r) => r.offset));
          if (attempts.length === 2) committedDuringRetry = { ...(await log.committedOffsets(group, t)) };
          if (attempts.length <= 2) throw new Error(`transient failure ${attempts.length}`);
        },
      });
      handles.push(handle);
      await until('a successful third attempt', async () => attempts.length >= 3 && (await log.committedOffsets(group, t))[0] === '3');
      assert.deepEqual(attempts[0], ['0', '1', '2']);
      assert.deepEqual(attempts[1], attempts[0], 'the same records again');
      assert.deepEqual(attempts[2], attempts[0]);
      assert.deepEqual(committedDuringRetry, {}, 'a rejected batch is not committed');
      await handle.stop();
    });

    void it('read() replays a partition from an offset', async () => {
      const t = await topic(1);
      const values = Array.from({ length: 10 }, (_, i) => `p${i}`);
      const res = await publish(t, values, () => 'same');
      assert.deepEqual(res.map((r) => r.offset), values.map((_, i) => String(i)));
      const mid = await log.read(t, 0, '3', 4);
      assert.deepEqual(mid.map((r) => [r.offset, r.value, r.key]), [['3', 'p3', 'same'], ['4', 'p4', 'same'], ['5', 'p5', 'same'], ['6', 'p6', 'same']]);
      assert.deepEqual((await log.read(t, 0, '8', 100)).map((r) => r.value), ['p8', 'p9']);
      assert.deepEqual(await log.read(t, 0, '10', 5), []);
      const withHeaders = await log.publish(t, [{ key: 'h', value: '{"a":1}', headers: { 'x-trace': 't1' }, timestamp: 1_700_000_000_000 }]);
      const [h] = await log.read(t, 0, withHeaders[0]!.offset, 1);
      assert.equal(h?.value, '{"a":1}');
      assert.equal(h?.headers['x-trace'], 't1');
      assert.equal(h?.timestamp, 1_700_000_000_000);
    });

    void it('setOffsets() rewinds a stopped group, and refuses while members run', async () => {
      const t = await topic(1);
      const group = uniqueName('conf-group');
      await publish(t, ['s0', 's1', 's2', 's3', 's4']);
      const c1 = await collect(t, group);
      await until('c1 to commit everything', async () => (await log.committedOffsets(group, t))[0] === '5');
      await assert.rejects(log.setOffsets(group, t, { 0: '2' }), withCode('EVENT_LOG_GROUP_ACTIVE'));
      await c1.handle.stop();
      await log.setOffsets(group, t, { 0: '2' });
      assert.deepEqual(await log.committedOffsets(group, t), { 0: '2' });
      const c2 = await collect(t, group);
      await until('c2 to replay from offset 2', () => c2.records.length >= 3);
      await staysTrue('nothing before offset 2', () => c2.records.length === 3, quietMs);
      assert.deepEqual(c2.records.map((r) => r.value), ['s2', 's3', 's4']);
    });

    void it('reports end offsets, committed offsets and consumer lag', async () => {
      const t = await topic(2);
      const group = uniqueName('conf-group');
      await publish(t, Array.from({ length: 12 }, (_, i) => `l${i}`), (i) => `key${i}`);
      const end = await log.endOffsets(t);
      assert.equal(Number(end[0]) + Number(end[1]), 12);
      assert.deepEqual(await log.committedOffsets(group, t), {});
      assert.equal(await consumerLag(log, group, t), 12);
      const c = await collect(t, group);
      await until('lag to reach 0', async () => (await consumerLag(log, group, t)) === 0);
      await c.handle.stop();
      assert.deepEqual(await log.committedOffsets(group, t), Object.fromEntries(Object.entries(end).filter(([, o]) => o !== '0')));
      await publish(t, ['n0', 'n1', 'n2']);
      assert.equal(await consumerLag(log, group, t), 3);
    });

    void it('a group without commits and fromBeginning false starts at the end', async () => {
      const t = await topic(1);
      await publish(t, ['old0', 'old1']);
      const c = await collect(t, uniqueName('conf-group'), { fromBeginning: false });
      let i = 0;
      await until('a new record to arrive', async () => {
        if (c.records.length > 0) return true;
        await publish(t, [`new${i++}`]);
        return false;
      });
      assert.ok(c.records.every((r) => r.value.startsWith('new')), `got ${c.records.map((r) => r.value).join(',')}`);
    });

    void it('publishing to an unknown topic fails with TOPIC_UNKNOWN', async () => {
      await assert.rejects(log.publish(uniqueName('conf-missing'), [{ key: 'k', value: 'v' }]), withCode('TOPIC_UNKNOWN'));
      await assert.rejects(log.partitionFor(uniqueName('conf-missing'), 'k'), withCode('TOPIC_UNKNOWN'));
    });
  });
}
