/**
 * Suite `ingest` (real services, issue 11 §4): simulator events -> Kafka -> stream aggregation ->
 * ClickHouse at two sizes, against the peer: the same JSON values produced straight to Kafka by
 * kafka-producer-perf-test (the Java producer). Per size and round, A B A B:
 *   A. ours, end to end: a fresh direct-path rig (pipeline-rig.ts: own topics, group, database,
 *      aggregation with its default 1 s live-publish coalescing); warm-up; then `n` events published
 *      through our KafkaEventLog while the aggregation consumes; timed until it has written every
 *      event's windows to ClickHouse ("write s" = until Kafka acknowledged the last publish);
 *      then ours, producer alone: the same `n` values published to a topic nobody reads;
 *   B. kafka-producer-perf-test: `n` of the same values to a topic with the same partitions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { EVENT_TOPIC, eventKey } from '../../schema/events/domain-events.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { textReport } from '../support/report.ts';
import { CLICKHOUSE_URL, clickhouseProblem, KAFKA_BROKERS, REDIS_URL, redisHostPort, tcpProblem } from '../support/services.ts';
import { percentile, ratio, sig, waitUntil } from '../support/stats.ts';
import type { Growth, Ratio, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { simulatedEvents, warmUpLength } from './pipeline-events.ts';
import { producerPerfTest, repeatedEvents, writePayloadFile } from './pipeline-ingest-data.ts';
import { startRig, type Rig } from './pipeline-rig.ts';
import type { KafkaEventLogConfigInput } from '../../connectors/kafka/kafka-config.ts';

const ROUNDS = 2;
/** Events per publish call, per topic (the simulator publishes one batch per topic per flush). */
export const INGEST_CHUNK = 1000;
const TARGET = 50_000;
const PERF_TOPIC = 'ingest-peer';
const OURS_TOPIC = 'ingest-producer-only';

const median = (xs: readonly number[]): number => percentile(xs, 50);

/** Publishes `events` INGEST_CHUNK at a time per topic, the topics in parallel. */
async function publishAll(rig: Rig, events: readonly DomainEvent[], topicOf: (e: DomainEvent) => string): Promise<void> {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const e of events) {
    const t = topicOf(e);
    let list = byTopic.get(t);
    if (!list) byTopic.set(t, (list = []));
    list.push({ key: eventKey(e), value: JSON.stringify(e) });
  }
  await Promise.all([...byTopic].map(async ([topic, records]) => {
    for (let i = 0; i < records.length; i += INGEST_CHUNK) await rig.log.publish(topic, records.slice(i, i + INGEST_CHUNK));
  }));
}

interface RoundFigures { e2e: number; write: number; producer: number; peer: number; peerP99: number; late: number; profile: string }

/** What the aggregation's ClickHouse writes cost during the timed part of a run. */
function profileOf(before: ReadonlyMap<string, { calls: number; rows: number; ms: number }>, after: ReadonlyMap<string, { calls: number; rows: number; ms: number }>, seconds: number): string {
  const parts: string[] = [];
  let total = 0;
  for (const [table, a] of after) {
    const b = before.get(table) ?? { calls: 0, rows: 0, ms: 0 };
    const calls = a.calls - b.calls;
    if (calls === 0) continue;
    total += a.ms - b.ms;
    parts.push(`${table} ${calls} inserts x ${sig((a.rows - b.rows) / calls)} rows, ${sig((a.ms - b.ms) / calls)} ms each`);
  }
  return `${parts.join('; ')}; inserts awaited ${sig(total / 1000)} s of ${sig(seconds)} s`;
}

async function oursRound(events: readonly DomainEvent[], warm: number, ctx: SuiteContext, tag: string, kafka: Partial<KafkaEventLogConfigInput>, producerAlone: boolean): Promise<{ e2e: number; write: number; producer: number; late: number; profile: string; rig: Rig }> {
  const rig = await startRig('direct', ctx.runId, ctx.logger, { tag, aggregation: {}, kafka });
  try {
    const processed = (): number => rig.aggregation.stats.processed;
    await publishAll(rig, events.slice(0, warm), (e) => EVENT_TOPIC[e.event_type].name);
    await waitUntil('the warm-up through the aggregation', 180_000, () => processed() >= warm, 10);
    const timed = events.slice(warm);
    const before = new Map([...rig.inserts].map(([k, v]) => [k, { ...v }]));
    const t0 = performance.now();
    await publishAll(rig, timed, (e) => EVENT_TOPIC[e.event_type].name);
    const written = performance.now();
    await waitUntil('the timed events through the aggregation', 600_000, () => processed() >= events.length, 5);
    const e2e = (performance.now() - t0) / 1000;
    const late = rig.aggregation.stats.late;
    const profile = profileOf(before, rig.inserts, e2e);
    if (!producerAlone) return { e2e: timed.length / e2e, write: timed.length / ((written - t0) / 1000), producer: Number.NaN, late, profile, rig };
    // producer alone: the same values to a topic no one reads
    await rig.log.ensureTopics([{ ...TOPICS.booking, name: OURS_TOPIC }]);
    const p0 = performance.now();
    await publishAll(rig, timed, () => OURS_TOPIC);
    const producer = (performance.now() - p0) / 1000;
    return { e2e: timed.length / e2e, write: timed.length / ((written - t0) / 1000), producer: timed.length / producer, late, profile, rig };
  } catch (e) {
    await rig.close().catch(() => undefined);
    throw e;
  }
}

export const ingestSuite: Suite = {
  name: 'ingest',
  title: 'simulator events -> Kafka -> aggregation -> ClickHouse vs kafka-producer-perf-test',
  description:
    'Events per second from the simulator\'s booking and pricing events through our Kafka producer, the stream aggregation and its ClickHouse writes (and our producer alone), against kafka-producer-perf-test producing the same JSON values straight to Kafka; two sizes, A B A B, medians of two rounds. Real services (scripts/services.sh).',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const problems = [
      ['Kafka', await tcpProblem(KAFKA_BROKERS[0] ?? '127.0.0.1:0')],
      ['ClickHouse', await clickhouseProblem()],
      ['Redis', await tcpProblem(redisHostPort())],
    ].filter(([, p]) => p !== null);
    if (problems.length > 0) {
      const why = `${problems.map(([n, p]) => `${n}: ${p}`).join('; ')} (Kafka ${KAFKA_BROKERS.join(',')}, ClickHouse ${CLICKHOUSE_URL}, Redis ${REDIS_URL}); start them with \`bash scripts/services.sh up\``;
      ctx.print(`  services not reachable, nothing measured: ${why}`);
      return { columns: ['target'], rows: [], ratios: [{ name: 'ours/perf-test', value: null, meaning: `not measured: ${why}` }], notes: [`not measured: ${why}`] };
    }
    const sizes = (process.env.BENCH_INGEST_SIZES ?? (ctx.quick ? '3000,10000' : '10000,50000')).split(',').map(Number).filter((n) => n > 0);
    ctx.print('  simulating booking and pricing events...');
    const pool = await simulatedEvents(ctx.logger);
    const warm = warmUpLength(pool, 200);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-bench-ingest-'));
    const rows: ResultRow[] = [];
    const ratios: Ratio[] = [];
    const notes: string[] = [];
    const series = new Map<string, { x: number; y: number }[]>();
    const point = (name: string, x: number, y: number): void => void series.set(name, [...(series.get(name) ?? []), { x, y }]);
    try {
      for (const n of sizes) {
        const events = repeatedEvents(pool, warm + n);
        const payloads = path.join(dir, `payloads-${n}.txt`);
        await writePayloadFile(payloads, events.slice(warm, warm + Math.min(n, 20_000)).map((e) => JSON.stringify(e)));
        const rounds: RoundFigures[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          ctx.print(`  ${n} events, round ${r + 1}: ours (end to end, then producer alone)...`);
          const ours = await oursRound(events, warm, ctx, `${n}r${r}`, {}, true);
          await ours.rig.close();
          const peerRig = await startRig('direct', ctx.runId, ctx.logger, { tag: `${n}r${r}p`, aggregation: {} });
          try {
            ctx.print(`  ${n} events, round ${r + 1}: kafka-producer-perf-test...`);
            await peerRig.log.ensureTopics([{ ...TOPICS.booking, name: PERF_TOPIC }]);
            const peer = await producerPerfTest(KAFKA_BROKERS.join(','), `${peerRig.names.topicPrefix}${PERF_TOPIC}`, n, payloads);
            if (peer.records !== n) throw new Error(`kafka-producer-perf-test sent ${peer.records} of ${n}`);
            rounds.push({ e2e: ours.e2e, write: ours.write, producer: ours.producer, late: ours.late, peer: peer.recordsPerSecond, peerP99: peer.p99LatencyMs, profile: ours.profile });
          } finally {
            await peerRig.close().catch((e: unknown) => ctx.print(`  cleanup failed: ${String(e)}`));
          }
        }
        const med = (f: (r: RoundFigures) => number): number => median(rounds.map(f));
        const row = (target: string, f: (r: RoundFigures) => number, check: string): ResultRow => ({
          events: n, target, 'events/s': sig(med(f)), 'round 1': sig(f(rounds[0] as RoundFigures)), 'round 2': sig(rounds[1] ? f(rounds[1]) : null), [`>= ${TARGET / 1000}k/s`]: med(f) >= TARGET ? 'yes' : 'no', check,
        });
        rows.push(row('ours: simulator events -> Kafka -> aggregation -> ClickHouse', (r) => r.e2e, `every event through; late ${rounds.map((r) => r.late).join('/')}`));
        rows.push(row('ours: the same run, until Kafka acknowledged the last publish', (r) => r.write, 'while the aggregation consumes'));
        rows.push(row('ours: our producer alone (KafkaEventLog.publish, nobody reading)', (r) => r.producer, `${INGEST_CHUNK} per call per topic`));
        rows.push(row('peer: kafka-producer-perf-test, same values', (r) => r.peer, `p99 ack ${sig(med((r) => r.peerP99))} ms`));
        point('ours end to end (-> ClickHouse)', n, med((r) => r.e2e));
        point('our producer alone', n, med((r) => r.producer));
        notes.push(`${n} events, where the aggregation's time goes (round 2): ${rounds[rounds.length - 1]?.profile} (the aggregation awaits its window and checkpoint inserts one after the other, per partition batch).`);
        point('kafka-producer-perf-test', n, med((r) => r.peer));
        ratios.push({ name: `${n} events: ours end to end / perf-test`, value: sig(ratio(med((r) => r.e2e), med((r) => r.peer))), meaning: 'events/s through Kafka, the aggregation and ClickHouse over the Java producer\'s rate into Kafka alone (1.0 = the pipeline keeps up with the broker\'s intake)' });
        ratios.push({ name: `${n} events: our producer / perf-test`, value: sig(ratio(med((r) => r.producer), med((r) => r.peer))), meaning: 'our Node producer (kafkajs, idempotent, one request in flight) over the Java producer on the same values, acks=all both' });
      }
      notes.push(
        `events: the simulator's seed 002 booking-events + pricing-events stream (pipeline-events.ts, ${pool.length} events) repeated with ids of its own per copy and shifted back in event time by whole copies (in event-time order, none late); ${warm} warm-up events before the clock (every partition with data seen); ~${Math.round(JSON.stringify(pool[0]).length)} B JSON values; keys = region ids (12 partitions per topic).`,
        `ours: NamespacedEventLog over createKafkaEventLog (kafkajs 2.2.4, idempotent, acks=all, maxInFlightRequests 1), ${INGEST_CHUNK} events per publish call, the two topics in parallel; the aggregation job (jobs/aggregation, default config: windows 5/15/60 min, maxBatchSize 500, live windows coalesced to 1/s per key on Redis) writes window rows + checkpoint to ClickHouse per batch; a fresh rig (topics, group, database) per round.`,
        `peer: kafka-producer-perf-test = org.apache.kafka.tools.ProducerPerformance from org.apache.kafka:kafka-tools 3.9.2 (scripts/kafka-perf.sh; jars cached beside the broker's), --throughput -1, acks=all, the Java producer's other defaults (idempotent, batch.size 16384, linger.ms 0), values drawn from a payload file of the same JSON (first ${'20000'} timed events), to one 12-partition topic, its own rate (JVM start-up excluded).`,
        'Kafka 3.9.2 (one KRaft broker), ClickHouse 18.16, Redis 7 on this machine with the benchmark and the peer.',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const growth: Growth[] = [{ id: 'events-per-second', title: 'events/s by events sent', xLabel: 'events', yLabel: 'events/s', logX: true, series: [...series].map(([name, points]) => ({ name, points })) }];
    const result: SuiteResult = { columns: ['events', 'target', 'events/s', 'round 1', 'round 2', `>= ${TARGET / 1000}k/s`, 'check'], rows, ratios, notes, growth };
    ctx.print(textReport(result));
    return result;
  },
};
