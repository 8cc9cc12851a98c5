/**
 * Faults of the real services, and what the platform does about them:
 * - the Kafka brokers are down when `gofuture start --profile services` runs: the process retries
 *   with growing delays, then exits non-zero with ONE line naming the brokers (no crash loop, no
 *   unhandled rejection or stack dump);
 * - ClickHouse refuses a row (a schema drift: `weather` became an Enum8 without 'unknown'): the
 *   landing job's batch is split, the good rows land, the refused row goes to the dead-letter topic
 *   with the server's own message, nothing else is lost and the job keeps running.
 * (An unknown Debezium op or a malformed envelope: dead-letter-debezium.test.ts.)
 *
 * The landing jobs read booking-events and pricing-events (fixed names) in their fixed groups, so
 * those topics, the dead-letter topic and the landing groups are deleted first (kafkajs admin; tests
 * run one file at a time). Needs `bash scripts/services.sh up`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import type { InsertResult, Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createKafkaEventLog, type KafkaEventLog } from '../../connectors/kafka/index.ts';
import { startLandingJobs, type LandingJobs } from '../../jobs/landing/index.ts';
import { DomainEventSchema, eventKey, EVENT_TOPIC, type DomainEvent, type DomainEventOf, type EventType } from '../../schema/events/domain-events.ts';
import { DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { TRIPS, WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { LANDING_GROUPS, PLATFORM_TOPICS, readTopic, resetKafka } from './support/platform-kafka.ts';
import { liveConnectors } from './support/platform-live.ts';
import { CLICKHOUSE_URL, clickhouseExec, closedPort, KAFKA_BROKERS, requireClickHouse, requireKafka } from './support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const logger = pino({ level: 'silent' });

void describe('broker down at start', () => {
  void it('retries with growing delays, then exits non-zero with one line naming the brokers', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-faults-'));
    try {
      const broker = `127.0.0.1:${await closedPort()}`;
      const live = liveConnectors('faults');
      const file = path.join(dir, 'config.json');
      await writeFile(file, JSON.stringify({
        logLevel: 'info',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: {
          eventLog: { kind: 'kafka', brokers: [broker], connectionTimeoutMs: 500, retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 5_000 } },
          onlineStore: live.onlineStore,
          pubSub: live.pubSub,
        },
      }));
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
      delete env.KAFKA_BROKERS;
      delete env.NODE_OPTIONS;
      const t0 = Date.now();
      const child = spawn(process.execPath, ['bin/gofuture.ts', 'start', '--profile', 'services', '--config', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      clearTimeout(killer);
      const ms = Date.now() - t0;
      const context = `\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
      assert.equal(signal, null, `exited by itself within 30 s${context}`);
      assert.equal(code, 1, `exit code${context}`);

      type LogLine = { level: number; msg: string; attempt?: number; delayMs?: number; brokers?: string };
      const logs = stdout.split('\n').filter((l) => l.trim() !== '').map((l): LogLine => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return assert.fail(`stdout holds JSON log lines only, not: ${l}${context}`);
        }
      });
      const retries = logs.filter((l) => l.msg === 'kafka brokers not reachable, retrying');
      assert.deepEqual(retries.map((r) => r.attempt), [1, 2, 3], `one warning per retry${context}`);
      for (const r of retries) assert.equal(r.brokers, broker);
      const delays = retries.map((r) => r.delayMs ?? 0);
      for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 1]!, `delays grow: ${delays.join(', ')}`);
      assert.ok(delays[2]! > delays[0]!, `delays grow: ${delays.join(', ')}`);
      assert.ok(!logs.some((l) => /ready/.test(l.msg)), 'never reports ready');

      const lines = stderr.split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, `exactly one line on stderr${context}`);
      assert.match(lines[0]!, /^gofuture: CONNECTOR_UNAVAILABLE: .*cannot reach brokers 127\.0\.0\.1:\d+ after 3 retries/);
      assert.ok(lines[0]!.includes(broker), 'the line names the brokers');
      assert.doesNotMatch(stdout + stderr, /UnhandledPromiseRejection|unhandled|^\s+at /m, 'no unhandled rejection, no stack dump');
      console.log(`# gave up after ${delays.length} retries (delays ${delays.join(', ')} ms), exit ${code} after ${ms} ms: ${lines[0]}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---- ClickHouse refuses a row ----

const geo = { lat: 55.75, lon: 37.61 };
const WEATHERS = ['clear', 'rain', 'snow'] as const;

function event<T extends EventType>(type: T, data: DomainEventOf<T>['data'], at: number): DomainEvent {
  return DomainEventSchema.parse({ event_id: uniqueName('ev'), occurred_at: at, producer: 'faults-test', schema_version: 1, event_type: type, data }) as DomainEvent;
}
const created = (id: string, i: number, at: number): DomainEvent => event('BookingCreated', {
  booking_id: id, rider_id: `rider-${i}`, region_id: 'msk-center', pickup: geo, dropoff: geo, estimated_distance_km: 5 + i, weather: WEATHERS[i % 3]!,
}, at);
const priced = (id: string, at: number): DomainEvent => event('PriceCalculated', {
  booking_id: id, region_id: 'msk-center', base_fare: 300, surge_multiplier: 1.5, final_price: 450, currency: 'RUB',
}, at);

async function publish(log: KafkaEventLog, events: readonly DomainEvent[]): Promise<void> {
  const topic = EVENT_TOPIC[events[0]!.event_type].name;
  assert.ok(events.every((e) => EVENT_TOPIC[e.event_type].name === topic));
  await log.publish(topic, events.map((e) => ({ key: eventKey(e), value: JSON.stringify(e) })));
}

void describe('ClickHouse rejects a row of a landing batch', () => {
  const tag = uniqueName('faults').toLowerCase();
  const database = `gf_${tag}`;
  const metrics = new Registry();
  const ctx: ConnectorContext = { logger, metrics };
  let log: KafkaEventLog;
  let warehouse: Warehouse;
  let landing: LandingJobs | null = null;
  /** Every insert the landing jobs made, with what the warehouse answered. */
  const inserts: { table: string; rows: readonly Row[]; result: InsertResult }[] = [];

  before(async () => {
    await Promise.all([requireKafka(), requireClickHouse()]);
    await resetKafka({ topics: PLATFORM_TOPICS, groups: LANDING_GROUPS });
    const real = createClickHouseWarehouse({ url: CLICKHOUSE_URL, database }, ctx);
    await real.start();
    await real.ensureTables(WAREHOUSE_TABLES);
    // the drift: a column the landing job writes 'unknown' into no longer takes it
    await clickhouseExec(`ALTER TABLE ${TRIPS.name}_data MODIFY COLUMN weather Enum8('clear' = 1, 'rain' = 2, 'snow' = 3)`, database);
    // the real warehouse, with its inserts recorded on the way
    warehouse = new Proxy(real, {
      get(target, prop) {
        if (prop === 'insert') {
          return async (table: string, rows: readonly Row[]) => {
            const result = await target.insert(table, rows);
            inserts.push({ table, rows, result });
            return result;
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    log = createKafkaEventLog({ brokers: [...KAFKA_BROKERS], clientId: `gofuture-${tag}`, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 } }, ctx);
    await log.start();
    landing = await startLandingJobs({ log, warehouse, logger, metrics });
  });

  after(async () => {
    const failures: unknown[] = [];
    const steps: (() => Promise<unknown> | undefined)[] = [() => landing?.stop(), () => log?.close(), () => warehouse?.close(), () => clickhouseExec(`DROP DATABASE IF EXISTS ${database}`)];
    for (const step of steps) await Promise.resolve().then(step).catch((e: unknown) => failures.push(e));
    if (failures.length > 0) throw failures[0];
  });

  const tripRows = async (): Promise<Row[]> => warehouse.query(`SELECT trip_id, weather, surge_multiplier, status FROM ${TRIPS.name} ORDER BY trip_id`);

  void it('splits the batch: the good rows land, the refused row is dead-lettered with the server message, the job goes on', { timeout: 90_000 }, async () => {
    const t0 = Date.now() - 10 * 60_000;
    const ids = Array.from({ length: 12 }, (_, i) => `${tag}-b${String(i).padStart(2, '0')}`);
    const ghost = `${tag}-ghost`;
    await publish(log, ids.map((id, i) => created(id, i, t0 + i * 1000)));
    await waitFor('12 trips landed', async () => (await tripRows()).length === 12, { timeoutMs: 30_000, intervalMs: 100 });

    // one publish, one partition (one region): one consumer batch, one INSERT of 13 rows; the ghost
    // booking was never created, so its row is partial (weather 'unknown') and the server refuses it
    const prices = ids.map((id, i) => priced(id, t0 + 60_000 + i * 1000));
    const ghostPrice = priced(ghost, t0 + 66_500);
    prices.splice(6, 0, ghostPrice);
    await publish(log, prices);

    await waitFor('the refused row on the dead-letter topic', async () => (await readTopic(log, TOPICS.deadLetter.name)).length >= 1, { timeoutMs: 30_000, intervalMs: 100 });
    await waitFor('every good row priced', async () => (await tripRows()).every((r) => Number(r.surge_multiplier) === 1.5), { timeoutMs: 30_000, intervalMs: 100 });

    // split: one INSERT call carried good rows and the refused one; the good ones landed
    const split = inserts.find((i) => i.table === TRIPS.name && i.rows.some((r) => r.trip_id === ghost));
    assert.ok(split, 'the ghost row was inserted along with others');
    assert.equal(split.rows.length, 13, 'the whole batch in one insert');
    assert.equal(split.result.inserted, 12);
    assert.equal(split.result.rejected.length, 1);
    assert.equal(split.result.rejected[0]!.row.trip_id, ghost);

    const rows = await tripRows();
    assert.deepEqual(rows.map((r) => r.trip_id), ids, 'the good rows landed, the refused one did not');
    for (const [i, r] of rows.entries()) assert.equal(r.weather, WEATHERS[i % 3]);

    const dead = await readTopic(log, TOPICS.deadLetter.name);
    assert.equal(dead.length, 1, 'only the refused row is dead-lettered');
    const [letter] = dead;
    assert.equal(letter!.headers[DEAD_LETTER_HEADERS.reasonCode], 'WAREHOUSE_ROW_REJECTED');
    assert.equal(letter!.headers[DEAD_LETTER_HEADERS.sourceTopic], TOPICS.pricing.name);
    assert.equal(letter!.headers[DEAD_LETTER_HEADERS.stage], 'landing-trips');
    const reason = letter!.headers[DEAD_LETTER_HEADERS.reason] ?? '';
    assert.match(reason, new RegExp(`trip_id ${ghost}`));
    assert.match(reason, /Code: \d+/, 'the server message, with its code');
    assert.match(reason, /Unknown element 'unknown' for type Enum8/);
    assert.deepEqual(JSON.parse(letter!.value), ghostPrice, 'the record itself, as consumed');

    // nothing else lost: the group committed everything it consumed
    for (const topic of [TOPICS.booking.name, TOPICS.pricing.name]) {
      const end = await log.endOffsets(topic);
      await waitFor(`landing-trips committed ${topic} to its end`, async () => {
        const c = await log.committedOffsets('landing-trips', topic);
        return Object.entries(end).every(([p, o]) => BigInt(c[Number(p)] ?? '0') >= BigInt(o));
      }, { timeoutMs: 15_000, intervalMs: 100 });
    }

    // the job keeps running: later valid events still land
    const late = `${tag}-c00`;
    await publish(log, [created(late, 1, t0 + 120_000), event('BookingCancelled', {
      booking_id: ids[0]!, rider_id: 'rider-0', region_id: 'msk-center', driver_id: null, cancelled_by: 'rider', reason: 'changed plans',
    }, t0 + 121_000)]);
    await waitFor('the later events landed', async () => {
      const r = await tripRows();
      return r.some((x) => x.trip_id === late) && r.some((x) => x.trip_id === ids[0] && x.status === 'cancelled');
    }, { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal((await readTopic(log, TOPICS.deadLetter.name)).length, 1, 'no further dead letters');
    console.log(`# 13-row insert: 12 landed, 1 dead-lettered: ${reason.slice(0, 160)}`);
  });
});
