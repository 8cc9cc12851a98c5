/**
 * Source services -> PostgreSQL (source writer, transactional outbox) -> logical replication ->
 * CDC job -> EventLog, against a real PostgreSQL 15 (PG_URL). The last test kills the CDC process
 * with SIGKILL several times while the writer keeps writing, and counts every outbox event on the
 * domain topics by event id: none lost and none twice, raw (the job skips what a redelivery would
 * publish again; the number it skipped is read from the children's logs and printed).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';
import { createMemoryEventLog } from '../../connectors/embedded/index.ts';
import { createPgChangeSource } from '../../connectors/postgres/index.ts';
import { startCdcJob } from '../../jobs/cdc/index.ts';
import { createSimulator } from '../../jobs/simulator/index.ts';
import { createSourceWriter } from '../../jobs/sources/index.ts';
import { parseDebeziumEnvelope } from '../../schema/events/debezium.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { DEAD_LETTER_HEADERS, DOMAIN_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { capturedTables } from '../../schema/sources/source-tables.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { dropCdcFixtures, PG_URL, pgExec, requirePostgres } from './support/postgres.ts';
import { readTopic } from './support/platform-kafka.ts';

const logger = pino({ level: 'silent' });
const SERVICES = ['booking', 'driver', 'payment', 'pricing', 'fraud'];

/** Simulated domain events of seed 002 (deterministic). */
async function simulate(minutes: number, seed: number): Promise<DomainEvent[]> {
  const metrics = new Registry();
  const log = createMemoryEventLog({}, { logger, metrics });
  await log.start();
  const events: DomainEvent[] = [];
  const sim = createSimulator({ log, logger, metrics, onEmit: (e) => events.push(e), seed, ratePerSecond: 3, driversPerRegion: 6, startTime: Date.UTC(2024, 4, 1, 8), lateShare: 0.02 });
  await sim.runFor(minutes * 60_000);
  await log.close();
  return events;
}

async function domainRecords(log: EventLog): Promise<LogRecord[]> {
  return (await Promise.all(DOMAIN_TOPICS.map((t) => readTopic(log, t.name)))).flat();
}

function names(): { prefix: string; slot: string; publication: string; schemas: string[] } {
  const base = uniqueName('cdcj').toLowerCase();
  return { prefix: `${base}_`, slot: `${base}_slot`, publication: `${base}_pub`, schemas: SERVICES.map((s) => `${base}_${s}`) };
}

void describe('cdc job on PostgreSQL', () => {
  before(() => requirePostgres());

  void it('writes rows + outbox in one transaction per batch, routes the outbox to domain topics, dead-letters bad payloads', async () => {
    const n = names();
    const events = (await simulate(2, 11)).slice(0, 400);
    const writer = createSourceWriter({ pgUrl: PG_URL, logger, schemaPrefix: n.prefix, batchSize: 50 });
    const metrics = new Registry();
    const log = createMemoryEventLog({}, { logger, metrics });
    const source = createPgChangeSource({ url: PG_URL, slot: n.slot, publication: n.publication, tables: capturedTables(n.prefix), statusIntervalMs: 200 }, { logger, metrics });
    try {
      await writer.migrate();
      // 100 events before the slot exists: they arrive through the snapshot (op r)
      const w1 = await writer.write(events.slice(0, 100));
      assert.deepEqual(w1, { written: 100, duplicates: 0, transactions: 2 });
      await log.start();
      const t0 = Date.now();
      const job = await startCdcJob({ source, log, logger, metrics });
      const w2 = await writer.write(events.slice(100));
      assert.deepEqual(w2, { written: 300, duplicates: 0, transactions: 6 });
      await waitFor('all 400 events on the domain topics', async () => (await domainRecords(log)).length >= 400, { timeoutMs: 20_000 });
      const ms = Date.now() - t0;

      const records = await domainRecords(log);
      assert.equal(records.length, 400, 'no duplicate without a crash');
      const byId = new Map(records.map((r) => [r.headers['x-event-id'], r]));
      for (const e of events) {
        const r = byId.get(e.event_id);
        assert.ok(r, `event ${e.event_id} routed`);
        assert.equal(r.topic, EVENT_TOPIC[e.event_type].name);
        assert.equal(r.key, eventKey(e));
        assert.deepEqual(JSON.parse(r.value), e);
      }
      // one transaction per writer batch: the 50 outbox rows and their row changes share a txId
      const outboxChanges = (await readTopic(log, `cdc.${n.prefix}booking.outbox`)).map((r) => {
        const p = parseDebeziumEnvelope(r.value);
        assert.ok(p.ok);
        return p.envelope;
      });
      const allOutbox = (await Promise.all(SERVICES.slice(0, 4).map((s) => readTopic(log, `cdc.${n.prefix}${s}.outbox`).catch(() => [])))).flat();
      const ops = allOutbox.map((r) => JSON.parse(r.value) as { op: string }).map((e) => e.op);
      assert.equal(ops.filter((op) => op === 'r').length, 100, 'the 100 events written before the slot: snapshot');
      assert.equal(ops.filter((op) => op === 'c').length, 300, 'the 300 written after: stream');
      const streamedTx = new Map<number, number>();
      for (const e of outboxChanges.filter((x) => x.op === 'c')) streamedTx.set(e.source.txId ?? -1, (streamedTx.get(e.source.txId ?? -1) ?? 0) + 1);
      assert.ok(streamedTx.size <= 6, `booking outbox rows of 300 events in at most 6 transactions, got ${streamedTx.size}`);
      const bookingRows = await readTopic(log, `cdc.${n.prefix}booking.bookings`);
      const sample = bookingRows.map((r) => parseDebeziumEnvelope(r.value)).find((p) => p.ok && p.envelope.op === 'c');
      assert.ok(sample?.ok);
      assert.ok(streamedTx.has(sample.envelope.source.txId ?? -2), 'row change and outbox row in the same transaction');
      assert.match(bookingRows[0]!.key ?? '', /^\{"booking_id":"/, 'change records keyed by primary key');

      // replaying the same events writes nothing (idempotent by event id)
      assert.deepEqual(await writer.write(events.slice(0, 60)), { written: 0, duplicates: 60, transactions: 2 });

      // an outbox row whose payload is not a domain event -> dead-letter EVENT_INVALID, nothing routed
      await pgExec(`INSERT INTO ${n.prefix}payment.outbox VALUES ('bad-1', 'Payment', 'p1', 'PaymentCompleted', 'payment-events', 'u1', '{"event_type":"PaymentCompleted"}', 1)`);
      await waitFor('dead letter', async () => (await readTopic(log, TOPICS.deadLetter.name)).length >= 1);
      const [dl] = await readTopic(log, TOPICS.deadLetter.name);
      assert.equal(dl?.headers[DEAD_LETTER_HEADERS.reasonCode], 'EVENT_INVALID');
      assert.equal(dl?.headers[DEAD_LETTER_HEADERS.sourceTopic], `cdc.${n.prefix}payment.outbox`);
      assert.match(dl?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /bad-1/);
      assert.equal((await domainRecords(log)).length, 400);
      assert.equal(job.stats.routed, 400);
      await job.stop();
      console.log(`# 400 events (100 by snapshot, 300 streamed in 6 transactions) routed in ${ms} ms`);
    } finally {
      await source.close();
      await writer.close();
      await log.close().catch(() => undefined);
      await dropCdcFixtures({ slot: n.slot, publication: n.publication, schemas: n.schemas });
    }
  });

  void it('survives kill -9 of the CDC process: every outbox event exactly once on the domain topics, raw', { timeout: 120_000 }, async () => {
    const n = names();
    const dir = await mkdtemp(join(tmpdir(), 'gofuture-cdc-kill-'));
    const events = (await simulate(4, 5)).slice(0, 3000);
    const writer = createSourceWriter({ pgUrl: PG_URL, logger, schemaPrefix: n.prefix, batchSize: 20 });
    let child: ChildProcess | null = null;
    let skippedRepublish = 0;
    const spawnChild = async (): Promise<ChildProcess> => {
      const c = spawn(process.execPath, [join(import.meta.dirname, 'support', 'cdc-kill-child.ts')], {
        env: { ...process.env, PG_URL, CDC_SLOT: n.slot, CDC_PUBLICATION: n.publication, CDC_SCHEMA_PREFIX: n.prefix, CDC_LOG_DIR: dir, CDC_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // the job logs each batch it skipped records of (redelivered after a kill): sum them
      createInterface({ input: c.stderr! }).on('line', (line) => {
        if (process.env.CDC_KILL_TRACE) process.stderr.write(`${line}\n`);
        if (!line.includes('already published')) return;
        try {
          skippedRepublish += Number((JSON.parse(line) as { skipped?: number }).skipped ?? 0);
        } catch {
          // a line cut by kill -9
        }
      });
      await new Promise<void>((resolve, reject) => {
        c.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        c.once('exit', (code) => reject(new Error(`cdc child exited with ${code} before ready`)));
      });
      return c;
    };
    const kill = async (c: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
      const exited = once(c, 'exit');
      c.kill(signal);
      await exited;
    };
    try {
      await writer.migrate();
      const t0 = Date.now();
      child = await spawnChild();
      let written = 0;
      let kills = 0;
      const writing = (async () => {
        for (let i = 0; i < events.length; i += 100) {
          written += (await writer.write(events.slice(i, i + 100))).written;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      // kill -9 while the writer writes, restart at once
      while (kills < 5) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 500));
        await kill(child, 'SIGKILL');
        kills++;
        child = await spawnChild();
      }
      await writing;
      assert.equal(written, events.length);
      const writeMs = Date.now() - t0;
      // every event has its outbox row; the last incarnation catches up (the slot confirms past the last write)
      const [count] = await pgExec<{ n: number }>(`SELECT ${SERVICES.slice(0, 4).map((s) => `(SELECT count(*) FROM ${n.prefix}${s}.outbox)`).join(' + ')} AS n`);
      assert.equal(Number(count?.n), events.length);
      const [end] = await pgExec<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await waitFor('slot confirmed past the last write', async () => {
        const [r] = await pgExec<{ done: boolean }>(`SELECT confirmed_flush_lsn >= '${end!.lsn}'::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = '${n.slot}'`);
        return r?.done === true;
      }, { timeoutMs: 60_000, intervalMs: 50 });
      const caughtUpMs = Date.now() - t0;
      await kill(child, 'SIGTERM');
      child = null;
      const log = createMemoryEventLog({ dir }, { logger, metrics: new Registry() });
      await log.start();
      const records = await domainRecords(log);
      const deadLetters = await readTopic(log, TOPICS.deadLetter.name);
      // change records: a change is its envelope without ts_ms (the time the job built it)
      const changes = (await Promise.all(capturedTables(n.prefix).map((t) => readTopic(log, `cdc.${t}`).catch(() => [])))).flat();
      await log.close();
      assert.equal(deadLetters.length, 0, 'no change was undecodable');
      const perChange = new Map<string, number>();
      for (const r of changes) {
        const key = JSON.stringify({ ...(JSON.parse(r.value) as object), ts_ms: 0 });
        perChange.set(key, (perChange.get(key) ?? 0) + 1);
      }
      assert.equal([...perChange.values()].filter((k) => k > 1).length, 0, 'zero duplicated change records');
      const outboxChanges = changes.filter((r) => r.topic.endsWith('.outbox')).length;
      assert.equal(outboxChanges, events.length, 'one outbox change record per event');
      const ids = new Set(events.map((e) => e.event_id));
      const perId = new Map<string, number>();
      for (const r of records) perId.set(r.headers['x-event-id'] ?? '?', (perId.get(r.headers['x-event-id'] ?? '?') ?? 0) + 1);
      const missing = [...ids].filter((id) => !perId.has(id));
      assert.deepEqual(missing, [], 'zero lost');
      assert.deepEqual([...perId].filter(([, k]) => k > 1), [], 'zero duplicated: every event id once in the raw log');
      assert.equal(records.length, events.length);
      assert.ok([...perId.keys()].every((id) => ids.has(id)), 'nothing that was not written');
      console.log(`# kill test: ${events.length} events, ${kills} x kill -9, ${records.length} records on domain topics and ${changes.length} on change topics, 0 raw duplicates (${skippedRepublish} redelivered records skipped), 0 lost; writes done in ${writeMs} ms, caught up in ${caughtUpMs} ms`);
    } finally {
      if (child) await kill(child, 'SIGKILL');
      await writer.close();
      await dropCdcFixtures({ slot: n.slot, publication: n.publication, schemas: n.schemas });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
