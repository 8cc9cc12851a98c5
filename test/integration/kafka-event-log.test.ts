/**
 * The Kafka event log against a real broker (KAFKA_BROKERS, default 127.0.0.1:19092;
 * `bash scripts/services.sh up kafka`): the EventLog conformance suite unchanged, then what only
 * Kafka does. Topic and group names are unique per run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import { partitionForKey } from '../../connectors/embedded/murmur2.ts';
import { createKafkaEventLog, kafkaPartitionFor, type KafkaEventLog } from '../../connectors/kafka/index.ts';
import type { KafkaEventLogConfigInput } from '../../connectors/kafka/kafka-config.ts';
import { ALL_TOPICS, TOPICS, type TopicSpec } from '../../schema/events/topics.ts';
import { eventLogConformance } from '../conformance/event-log.suite.ts';
import { uniqueName, waitFor, withCode } from '../conformance/helpers.ts';
import { closedPort, KAFKA_BROKERS, requireKafka } from './support/services.ts';

const { ConfigResourceTypes } = kafkajs; // not a named export of the CommonJS module
const ctx = (metrics = new Registry()): ConnectorContext => ({ logger: pino({ level: 'silent' }), metrics });

/** Settings for a single local broker: quick heartbeats and fetches so joins and rebalances take well under a second. */
const fast = {
  clientId: 'gofuture-it',
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  fetchMaxWaitMs: 100,
  lagRefreshMs: 200,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
} satisfies KafkaEventLogConfigInput;

async function make(metrics?: Registry): Promise<KafkaEventLog> {
  await requireKafka();
  return createKafkaEventLog({ brokers: [...KAFKA_BROKERS], ...fast }, ctx(metrics));
}

eventLogConformance('kafka', () => make(), { timeoutMs: 30_000, quietMs: 500 });

void describe('kafka event log specifics', () => {
  let log: KafkaEventLog;
  let metrics: Registry;
  let admin: Admin;
  before(async () => {
    metrics = new Registry();
    log = await make(metrics);
    await log.start();
    admin = new Kafka({ clientId: 'gofuture-it-admin', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  const created: string[] = [];
  after(async () => {
    await log.close();
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  const copy = (t: TopicSpec): TopicSpec => {
    const name = uniqueName(`it-${t.name}`);
    created.push(name);
    return { ...t, name };
  };

  void it('creates the seed 002 topics with their partitions, retention and compression', async () => {
    const topics = ALL_TOPICS.map(copy);
    await log.ensureTopics(topics);
    await log.ensureTopics(topics); // idempotent
    const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const t of topics) {
      assert.equal(meta.topics.find((m) => m.name === t.name)?.partitions.length, t.partitions, `${t.name} partitions`);
    }
    // seed 002's topics, plus the simulator's ground-truth fraud labels and the dead-letter topic
    assert.deepEqual(Object.fromEntries(ALL_TOPICS.map((t, i) => [t.name, topics[i]?.partitions])), {
      'booking-events': 12, 'driver-events': 24, 'payment-events': 6, 'pricing-events': 12, 'booking-saga': 6, 'fraud-labels': 6, 'dead-letter': 3,
    });
    const driver = topics[ALL_TOPICS.indexOf(TOPICS.driver)]!;
    const booking = topics[ALL_TOPICS.indexOf(TOPICS.booking)]!;
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [driver, booking].map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['retention.ms', 'compression.type'] })),
    });
    const valueOf = (topic: string, key: string): string | undefined =>
      configs.resources.find((r) => r.resourceName === topic)?.configEntries.find((e) => e.configName === key)?.configValue;
    assert.equal(valueOf(driver.name, 'compression.type'), 'gzip');
    assert.equal(valueOf(driver.name, 'retention.ms'), String(3 * 24 * 3_600_000));
    assert.equal(valueOf(booking.name, 'retention.ms'), String(7 * 24 * 3_600_000));
    assert.equal(valueOf(booking.name, 'compression.type'), 'producer');

    // a gzip-compressed batch round-trips
    const res = await log.publish(driver.name, [{ key: 'driver-7', value: JSON.stringify({ lat: 1.5, lon: 2.5 }) }]);
    const [back] = await log.read(driver.name, res[0]!.partition, res[0]!.offset, 1);
    assert.equal(back?.value, '{"lat":1.5,"lon":2.5}');
  });

  void it('puts a key on the partition the embedded log and the Java client compute (murmur2)', async () => {
    // Kafka's own murmur2 test vectors (Utils.murmur2) pin the hash both implementations share.
    for (const [key, hash] of [['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536], ['abc', 479470107]] as const) {
      assert.equal(kafkaPartitionFor('t', key, 997), (hash & 0x7fffffff) % 997);
    }
    const t = copy(TOPICS.booking);
    await log.ensureTopics([t]);
    const keys = Array.from({ length: 60 }, (_, i) => `region-${i}`);
    const published = await log.publish(t.name, keys.map((key) => ({ key, value: key })));
    published.forEach((p, i) => assert.equal(p.partition, partitionForKey(keys[i]!, 12), `key ${keys[i]}`));
    // and the broker really holds each record where publish() said
    const p0 = published[0]!;
    const [rec] = await log.read(t.name, p0.partition, p0.offset, 1);
    assert.equal(rec?.key, keys[0]);
    // a plain kafkajs producer (DefaultPartitioner, no explicit partition) agrees
    const kafka = new Kafka({ clientId: 'gofuture-it-raw', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING });
    const raw = kafka.producer({ allowAutoTopicCreation: false });
    await raw.connect();
    try {
      const [meta] = await raw.send({ topic: t.name, messages: [{ key: 'region-42', value: 'raw' }] });
      assert.equal(meta?.partition, partitionForKey('region-42', 12));
    } finally {
      await raw.disconnect();
    }
  });

  void it('counts published and consumed records and exports the consumer lag', async () => {
    const t = copy({ ...TOPICS.payment, partitions: 2 });
    await log.ensureTopics([t]);
    const group = uniqueName('it-lag');
    await log.publish(t.name, Array.from({ length: 10 }, (_, i) => ({ key: `u${i}`, value: `v${i}` })));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let seen = 0;
    const handle = await log.consume({ groupId: group, topics: [t.name], handler: async (b) => { await gate; seen += b.records.length; } });
    const lagLine = (n: number): RegExp => new RegExp(`gofuture_eventlog_consumer_lag\\{topic="${t.name}",group="${group}"\\} ${n}\\b`);
    await waitFor('the lag gauge to show 10 waiting records', async () => lagLine(10).test(await metrics.metrics()), { timeoutMs: 10_000 });
    // and per partition: each partition's lag is its end offset (nothing committed yet)
    const partitionLags = async (): Promise<Map<number, number>> => new Map([...(await metrics.metrics()).matchAll(new RegExp(`gofuture_eventlog_partition_lag\\{topic="${t.name}",group="${group}",partition="(\\d+)"\\} (\\d+)`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]));
    const end = await log.endOffsets(t.name);
    assert.deepEqual(await partitionLags(), new Map(Object.entries(end).map(([p, o]) => [Number(p), Number(o)])));
    open();
    await waitFor('everything consumed', () => seen === 10, { timeoutMs: 10_000 });
    await waitFor('the lag gauge to reach 0', async () => lagLine(0).test(await metrics.metrics()), { timeoutMs: 10_000 });
    assert.deepEqual([...(await partitionLags()).values()], [0, 0]);
    await handle.stop();
    const text = await metrics.metrics();
    assert.match(text, new RegExp(`gofuture_eventlog_records_published_total\\{topic="${t.name}"\\} 10\\b`));
    assert.match(text, new RegExp(`gofuture_eventlog_records_consumed_total\\{topic="${t.name}",group="${group}"\\} 10\\b`));
  });

  void it('refuses unknown topics and partitions on every call', async () => {
    const missing = uniqueName('it-missing');
    await assert.rejects(log.endOffsets(missing), withCode('TOPIC_UNKNOWN'));
    await assert.rejects(log.read(missing, 0, '0', 1), withCode('TOPIC_UNKNOWN'));
    await assert.rejects(log.consume({ groupId: uniqueName('g'), topics: [missing], handler: async () => undefined }), withCode('TOPIC_UNKNOWN'));
    const t = copy({ ...TOPICS.saga, partitions: 2 });
    await log.ensureTopics([t]);
    await assert.rejects(log.read(t.name, 5, '0', 1), withCode('TOPIC_UNKNOWN'));
  });

  void it('fails start() with CONNECTOR_UNAVAILABLE naming the brokers after bounded retries when the broker is down', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const broker = `127.0.0.1:${await closedPort()}`;
      const down = createKafkaEventLog({ brokers: [broker], connectionTimeoutMs: 500, retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 200 } }, ctx());
      const t0 = Date.now();
      await assert.rejects(down.start(), (e: unknown) => withCode('CONNECTOR_UNAVAILABLE')(e) && String((e as Error).message).includes(broker));
      const took = Date.now() - t0;
      assert.ok(took < 5_000, `gave up after ${took} ms`);
      assert.equal((await down.health()).ok, false);
      await assert.rejects(down.publish('x', [{ key: 'k', value: 'v' }]), withCode('CONNECTOR_NOT_STARTED'));
      await down.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  void it('rejects a bad config naming the key', () => {
    assert.throws(() => createKafkaEventLog({ brokers: [] }, ctx()), /connectors\.eventLog\.brokers/);
    assert.throws(() => createKafkaEventLog({ brokers: ['nohostport'] }, ctx()), /connectors\.eventLog\.brokers\.0/);
  });
});
