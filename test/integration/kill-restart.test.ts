/**
 * Issue "Real connectors": kill and restart the CDC and aggregation jobs mid-stream, with a real
 * process kill, several times: zero lost and zero duplicated rows, counted by event id.
 *
 * Real processes on the real services (`bash scripts/services.sh up`): Kafka, ClickHouse, Redis and
 * PostgreSQL 15. The test writes a config (profile 'services': a fresh ClickHouse database, source
 * tables under a unique schema prefix, a unique slot, publication and CDC topic prefix) and runs
 * `node bin/gofuture.ts run cdc aggregation landing --profile services --config FILE` as a child. It
 * writes the simulator's deterministic event stream (20 simulated minutes, every 20th driver location
 * update kept: about 4 800 events) into the source services' tables and outboxes (jobs/sources
 * writer, 100 events per call), kills the child with SIGKILL 4 times at random moments while doing so
 * (each incarnation first confirms a batch, so the stream moves on) and restarts it each time, then
 * waits until the pipeline has caught up (the slot confirmed past the last write, consumer lag 0) and
 * counts, by event id:
 * - every outbox event exactly once in its Kafka domain topic (raw: no duplicate, none missing);
 * - ClickHouse `trips` one row per booking id and `payments` one per payment id, none missing;
 * - ClickHouse `region_windows` (through its FINAL view) equal to the windows the test computes itself
 *   from the events it wrote (support/kill-tally.ts): final ones, and the still-open windows of the
 *   closing events, which move every partition's event time past the stream's last 60-minute window;
 *   no window counted twice across the kills.
 * Kafka's domain topics (booking-events, ...) and the jobs' consumer groups (landing-*, features-realtime,
 * stream-aggregation) have fixed names: they are DELETED before the run (kafkajs admin) so it starts
 * clean; a group with live members fails the test instead (another process runs the jobs). Do not run
 * it while another platform runs on the same Kafka. Afterwards the run's own topics, groups, database,
 * slot, publication and schemas are removed (the domain topics stay until the next reset).
 * Prints the numbers (events, kills, records the CDC job skipped as already published, catch-up time).
 * KILL_RESTART_KEEP_LOG=1 keeps the jobs' log; KILL_RESTART_LOG_LEVEL=debug makes it verbose.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { connectorRegistry } from '../../bin/connectors.ts';
import { createMemoryEventLog } from '../../connectors/embedded/index.ts';
import { AggregationConfigSchema } from '../../jobs/aggregation/config.ts';
import { REALTIME_FEATURES } from '../../jobs/features/realtime-features.ts';
import { DRIVERS_LANDING, PAYMENTS_LANDING, TRIPS_LANDING } from '../../jobs/landing/index.ts';
import { createSimulator } from '../../jobs/simulator/index.ts';
import { createSourceWriter } from '../../jobs/sources/index.ts';
import { EVENT_TOPIC, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS, DEAD_LETTER_HEADERS, DOMAIN_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { capturedTables } from '../../schema/sources/source-tables.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { JobsProcess } from './support/kill-child.ts';
import { consumeAll, deleteKafkaState, groupLag, topicsWithPrefix } from './support/kill-kafka.ts';
import { closingEvents, money, tallyWindows, windowKey } from './support/kill-tally.ts';
import { dropCdcFixtures, PG_URL, pgExec, requirePostgres } from './support/postgres.ts';
import { CLICKHOUSE_URL, clickhouseExec, KAFKA_BROKERS, requireClickHouse, requireKafka } from './support/services.ts';

const logger = pino({ level: 'silent' });
const ROOT = join(import.meta.dirname, '..', '..');
const HOUR = 3_600_000;
const KILLS = 4;
const AGG = AggregationConfigSchema.parse({});
/** The events a trip row is made of (seed 002: the booking lifecycle and its price). */
const TRIP_EVENTS: ReadonlySet<string> = new Set(['BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted', 'BookingCancelled', 'PriceCalculated']);
const GROUPS = [TRIPS_LANDING.groupId, PAYMENTS_LANDING.groupId, DRIVERS_LANDING.groupId, REALTIME_FEATURES.groupId, AGG.groupId];
/** What must be consumed to the end before the warehouse is checked. */
const LAGS: readonly (readonly [string, string])[] = [
  [AGG.groupId, TOPICS.booking.name], [AGG.groupId, TOPICS.pricing.name],
  [TRIPS_LANDING.groupId, TOPICS.booking.name], [TRIPS_LANDING.groupId, TOPICS.pricing.name],
  [PAYMENTS_LANDING.groupId, TOPICS.payment.name], [DRIVERS_LANDING.groupId, TOPICS.driver.name],
];

async function requireRedis(): Promise<void> {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379');
  const err = await new Promise<string | null>((resolve) => {
    const s = new Socket();
    s.setTimeout(2000, () => (s.destroy(), resolve('no answer')));
    s.once('error', (e) => resolve(e.message));
    s.connect(Number(url.port || 6379), url.hostname, () => (s.destroy(), resolve(null)));
  });
  if (err) throw new Error(`Redis is not reachable at ${url.host} (${err}). Start it with \`bash scripts/services.sh up redis\`.`);
}

/** The simulator's stream for `minutes` from `startTime` (deterministic for a seed). */
async function simulate(startTime: number, minutes: number): Promise<DomainEvent[]> {
  const metrics = new Registry();
  const log = createMemoryEventLog({}, { logger, metrics });
  await log.start();
  const events: DomainEvent[] = [];
  let locations = 0;
  // every 20th DriverLocationUpdated: driver-events keep flowing, the stream stays a few thousand events
  const onEmit = (e: DomainEvent): void => void (e.event_type !== 'DriverLocationUpdated' || locations++ % 20 === 0 ? events.push(e) : 0);
  const sim = createSimulator({ log, logger, metrics, onEmit, seed: 23, ratePerSecond: 0.5, driversPerRegion: 10, startTime, lateShare: 0 });
  await sim.runFor(minutes * 60_000);
  await log.close();
  return events;
}

async function chRows<R>(sql: string, database: string): Promise<R[]> {
  const text = await clickhouseExec(`${sql} FORMAT JSONEachRow`, database);
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as R);
}

void describe('kill -9 and restart of the CDC, aggregation and landing jobs on the real services', () => {
  before(() => Promise.all([requireKafka(), requireClickHouse(), requirePostgres(), requireRedis()]).then(() => undefined));

  void it('zero lost, zero duplicated: domain topics, trips, payments and region windows counted by event id', { timeout: 240_000 }, async () => {
    assert.ok(connectorRegistry().kinds('pubSub').includes('redis'), 'the services profile needs the Redis connectors registered (bin/service-connectors.ts)');
    const t0 = Date.now();
    const u = uniqueName('kr').toLowerCase();
    const prefix = `${u}_`;
    const slot = `${u}_slot`;
    const publication = `${u}_pub`;
    const schemas = [...new Set(capturedTables(prefix).map((t) => t.split('.')[0] ?? ''))];
    const dir = await mkdtemp(join(tmpdir(), 'gofuture-kill-restart-'));
    const configFile = join(dir, 'config.json');
    const logFile = join(dir, 'jobs.log');

    // the stream: 20 simulated minutes from the last 06:00 UTC at least 2 hours ago (the same demand every
    // run; recent enough for the topics' retention), then one closing booking + price per region
    const startTime = Math.floor((Date.now() - 2 * HOUR - 6 * HOUR) / (24 * HOUR)) * 24 * HOUR + 6 * HOUR;
    const stream = await simulate(startTime, 20);
    const lastTime = Math.max(...stream.map((e) => e.occurred_at));
    const closeAt = Math.ceil((lastTime + 1) / HOUR) * HOUR + 60_000;
    const events = [...stream, ...closingEvents(closeAt, u)];
    const tally = tallyWindows(events, AGG.windowMinutes, AGG.allowedLatenessMs);

    await deleteKafkaState({ topics: ALL_TOPICS.map((t) => t.name), groups: GROUPS });
    await writeFile(configFile, JSON.stringify({
      profile: 'services',
      dataDir: dir,
      logLevel: 'info',
      connectors: {
        eventLog: { kind: 'kafka', brokers: [...KAFKA_BROKERS], clientId: u, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100, lagRefreshMs: 1000, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } },
        warehouse: { kind: 'clickhouse', url: CLICKHOUSE_URL, database: u },
      },
      cdc: {
        changeSource: { kind: 'postgres', url: PG_URL, slot, publication, tables: capturedTables(prefix), statusIntervalMs: 200, retryMaxMs: 500, slotBusyWaitMs: 30_000 },
        topicPrefix: u,
      },
      aggregation: { partitionRefreshMs: 500 },
      jobStatusIntervalMs: 5000,
    }));
    const writer = createSourceWriter({ pgUrl: PG_URL, logger, schemaPrefix: prefix, batchSize: 50 });
    const jobs = new JobsProcess({ args: [join(ROOT, 'bin', 'gofuture.ts'), 'run', 'cdc', 'aggregation', 'landing', '--profile', 'services', '--config', configFile], cwd: ROOT, logFile });
    let ok = false;
    try {
      await writer.migrate();
      await jobs.start();
      let written = 0;
      const writing = (async () => {
        for (let i = 0; i < events.length; i += 100) {
          written += (await writer.write(events.slice(i, i + 100))).written;
          await sleep(250);
        }
      })();
      // kill -9 at random moments mid-stream, restart at once: each time once a random share of the stream
      // is written and the running CDC job has confirmed a batch (so every incarnation moves the stream
      // on), 0-1.5 s later: most likely while it publishes the next batch
      const confirmedLsn = async (): Promise<string> => (await pgExec<{ lsn: string | null }>(`SELECT confirmed_lsn::text AS lsn FROM public._gofuture_cdc_state WHERE slot = '${slot}'`).catch(() => []))[0]?.lsn ?? '';
      const marks = Array.from({ length: KILLS }, () => 0.1 + Math.random() * 0.7).sort((a, b) => a - b);
      let kills = 0;
      let writingDone = false;
      void writing.then(() => (writingDone = true), () => undefined);
      for (const share of marks) {
        const since = await confirmedLsn();
        await waitFor(`${Math.round(share * 100)}% of the stream written`, () => written >= share * events.length, { timeoutMs: 60_000 });
        await waitFor('the CDC job confirmed a batch', async () => writingDone || (await confirmedLsn()) !== since, { timeoutMs: 60_000, intervalMs: 50 });
        await sleep(Math.random() * 1500);
        assert.ok(jobs.running, `the jobs process died by itself: ${jobs.errors.join('\n')}`);
        await jobs.kill();
        kills++;
        await jobs.start();
      }
      await writing;
      assert.equal(written, events.length);
      const writtenAt = Date.now();

      // caught up: the slot confirmed past the last write, every group consumed to the end
      const [end] = await pgExec<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await waitFor('the slot confirmed past the last write', async () => {
        const [r] = await pgExec<{ done: boolean }>(`SELECT confirmed_flush_lsn >= '${end?.lsn ?? '0/0'}'::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = '${slot}'`);
        return r?.done === true;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      await waitFor('consumer lag 0', async () => (await Promise.all(LAGS.map(([g, t]) => groupLag(g, t)))).every((l) => l === 0), { timeoutMs: 60_000, intervalMs: 200 });
      const caughtUpMs = Date.now() - writtenAt;
      assert.ok(jobs.running, `the jobs process died by itself: ${jobs.errors.join('\n')}`);

      // 1. the domain topics: every event id once, on its topic
      const records = await consumeAll(DOMAIN_TOPICS.map((t) => t.name));
      const perId = new Map<string, number>();
      for (const r of records) perId.set(r.headers['x-event-id'] ?? '?', (perId.get(r.headers['x-event-id'] ?? '?') ?? 0) + 1);
      const byId = new Map(events.map((e) => [e.event_id, e]));
      assert.deepEqual([...byId.keys()].filter((id) => !perId.has(id)), [], 'zero lost: every outbox event on its domain topic');
      assert.deepEqual([...perId].filter(([, n]) => n > 1).slice(0, 5), [], 'zero duplicated: each event id once in the raw topics');
      assert.equal(records.length, events.length, 'nothing else on the domain topics');
      assert.ok(records.every((r) => r.topic === EVENT_TOPIC[byId.get(r.headers['x-event-id'] ?? '')?.event_type ?? 'BookingCreated'].name), 'each on its own topic');

      // 2. the landing tables: one row per booking / payment id, none missing
      const tripIds = new Set(events.flatMap((e) => (TRIP_EVENTS.has(e.event_type) && 'booking_id' in e.data ? [e.data.booking_id] : [])));
      const paymentIds = new Set(events.flatMap((e) => ('payment_id' in e.data ? [e.data.payment_id] : [])));
      const [trips] = await chRows<{ n: string; u: string }>('SELECT count() AS n, uniqExact(trip_id) AS u FROM trips', u);
      const [payments] = await chRows<{ n: string; u: string }>('SELECT count() AS n, uniqExact(payment_id) AS u FROM payments', u);
      assert.deepEqual([Number(trips?.n), Number(trips?.u)], [tripIds.size, tripIds.size], 'trips: count() = uniqExact(trip_id) = bookings written');
      assert.deepEqual([Number(payments?.n), Number(payments?.u)], [paymentIds.size, paymentIds.size], 'payments: count() = uniqExact(payment_id) = payments written');
      const landedTrips = new Set((await chRows<{ trip_id: string }>('SELECT trip_id FROM trips', u)).map((r) => r.trip_id));
      assert.deepEqual([...tripIds].filter((id) => !landedTrips.has(id)), [], 'no booking missing from trips');
      const landedPayments = new Set((await chRows<{ payment_id: string }>('SELECT payment_id FROM payments', u)).map((r) => r.payment_id));
      assert.deepEqual([...paymentIds].filter((id) => !landedPayments.has(id)), [], 'no payment missing from payments');

      // 3. the region windows: as computed here, final and open ones, nothing counted twice
      type WindowRow = { region_id: string; window_minutes: string; window_start: string; trip_count: string; completed_count: string; cancelled_count: string; price_count: string; price_sum: number; revenue: number; is_final: number };
      const rows = await chRows<WindowRow>('SELECT region_id, window_minutes, window_start, trip_count, completed_count, cancelled_count, price_count, price_sum, revenue, is_final FROM region_windows', u);
      const got = new Map(rows.map((r) => [windowKey(r.region_id, Number(r.window_minutes), Number(r.window_start)), r]));
      const problems: string[] = [];
      for (const [k, w] of tally.windows) {
        const r = got.get(k);
        if (!r) {
          problems.push(`${k}: missing`);
          continue;
        }
        const actual = [Number(r.trip_count), Number(r.completed_count), Number(r.cancelled_count), Number(r.price_count), Number(r.is_final) === 1];
        const expected = [w.tripCount, w.completedCount, w.cancelledCount, w.priceCount, w.isFinal];
        if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${k}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`);
        if (Math.abs(money(r.price_sum) - w.priceSum) > 2e-6 || Math.abs(money(r.revenue) - w.revenue) > 2e-6) problems.push(`${k}: price_sum ${r.price_sum} revenue ${r.revenue} instead of ${w.priceSum} ${w.revenue}`);
      }
      for (const k of got.keys()) if (!tally.windows.has(k)) problems.push(`${k}: not expected`);
      assert.deepEqual(problems.slice(0, 10), [], `region windows differ from the tally (${problems.length} problems)`);
      const finals = [...tally.windows.values()].filter((w) => w.isFinal).length;
      assert.ok(finals > 0 && finals < tally.windows.size, 'final windows and still-open ones both checked');

      // nothing dead-lettered but what the tally says is late
      const letters = await consumeAll([TOPICS.deadLetter.name]);
      const codes = letters.map((l) => l.headers[DEAD_LETTER_HEADERS.reasonCode]);
      assert.deepEqual(codes.filter((c) => c !== 'EVENT_LATE'), [], 'no dead letter but late events');
      assert.equal(codes.length, tally.late, 'late events: as the tally says');

      console.log(`# kill-restart: ${events.length} events (${tripIds.size} bookings, ${paymentIds.size} payments), ${kills} x kill -9 (${jobs.starts} starts), `
        + `${jobs.skippedRepublish} redelivered records skipped by the CDC job, 0 raw duplicates, 0 lost; `
        + `${tally.windows.size} region windows (${finals} final) equal; caught up ${caughtUpMs} ms after the last write; total ${Date.now() - t0} ms`);
      ok = true;
    } finally {
      await jobs.stop().catch(() => undefined);
      await jobs.close();
      await writer.close();
      await dropCdcFixtures({ slot, publication, schemas });
      await clickhouseExec(`DROP DATABASE IF EXISTS ${u}`).catch(() => undefined);
      await deleteKafkaState({ topics: await topicsWithPrefix(`${u}.`), groups: GROUPS }).catch(() => undefined);
      if (ok && !process.env.KILL_RESTART_KEEP_LOG) await rm(dir, { recursive: true, force: true });
      else console.log(`# kill-restart: the jobs' log is in ${logFile}`);
    }
  });
});
