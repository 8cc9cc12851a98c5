/**
 * Exactly-once publishing of the CDC job across crashes, on the embedded event log. The change
 * source is a test double of the ChangeSource contract with PostgreSQL's semantics (LSN positions,
 * commit-ordered transactions, a persisted confirmed position, a snapshot at a consistent point that is
 * taken again at a new one when interrupted), driven batch by batch so a test decides where a "crash"
 * falls: a job is dropped (never stopped) with a publish half done or a batch published but never
 * confirmed, and a new job over the same log gets the unconfirmed changes again, batched differently.
 * Every domain event and every change must then be in the log exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ChangeBatch, ChangeSource, ChangeStreamHandle } from '../../connectors/contracts/change-source.ts';
import type { EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';
import { createMemoryEventLog, type MemoryEventLog } from '../../connectors/embedded/index.ts';
import { CDC_HEADERS, OUTBOX_HEADERS, PublishLedger, startCdcJob, type CdcJob } from '../../jobs/cdc/index.ts';
import type { DebeziumEnvelope } from '../../schema/events/debezium.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { REGION_IDS } from '../../schema/regions.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { waitFor } from '../conformance/helpers.ts';

const logger = pino({ level: 'silent' });
const KEYS = { 'booking.bookings': ['booking_id'], 'booking.outbox': ['event_id'] };
const lsn = (n: bigint): string => `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;

const regionOf = (n: number): string => REGION_IDS[n % REGION_IDS.length] ?? 'kzn';
const created = (n: number): DomainEvent => ({
  event_id: `evt-${n}`, occurred_at: 1714550400000 + n * 1000, producer: 'booking-service', schema_version: 1, event_type: 'BookingCreated',
  data: { booking_id: `b${n}`, rider_id: `r${n}`, region_id: regionOf(n), pickup: { lat: 55.75, lon: 37.61 }, dropoff: { lat: 55.7, lon: 37.5 }, estimated_distance_km: 7.5, weather: 'clear' },
});

function env(op: 'c' | 'r', table: 'bookings' | 'outbox', after: Record<string, unknown>, o: { txId: number | null; lsn: bigint; snapshot: DebeziumEnvelope['source']['snapshot'] }): DebeziumEnvelope {
  return {
    before: null, after, op, ts_ms: 1714550401000,
    source: { version: 'test', connector: 'postgresql', name: 'fake', ts_ms: 1714550400500, snapshot: o.snapshot, db: 'gofuture', schema: 'booking', table, txId: o.txId, lsn: Number(o.lsn) },
  };
}

const bookingRow = (n: number, status = 'requested'): Record<string, unknown> => ({ booking_id: `b${n}`, region_id: regionOf(n), status });
const outboxRow = (n: number): Record<string, unknown> => ({ event_id: `evt-${n}`, topic: 'booking-events', key: regionOf(n), event_type: 'BookingCreated', payload: JSON.stringify(created(n)) });

interface Txn { readonly end: bigint; readonly changes: readonly DebeziumEnvelope[] }

/** The "server": committed transactions and what the source persisted (survives a job's crash). */
class FakeServer {
  readonly txns: Txn[] = [];
  confirmed: bigint | null = null;
  snapshotDone = false;
  #next = 0x1000n;
  /** Commits a transaction writing events `ns` (a booking row and an outbox row each). */
  commit(ns: readonly number[]): void {
    const txId = 700 + this.txns.length;
    const changes = ns.flatMap((n) => [
      env('c', 'bookings', bookingRow(n), { txId, lsn: (this.#next += 0x40n), snapshot: false }),
      env('c', 'outbox', outboxRow(n), { txId, lsn: (this.#next += 0x40n), snapshot: false }),
    ]);
    this.txns.push({ end: (this.#next += 0x80n), changes });
  }
  /** A consistent point for a snapshot (later than every commit so far). */
  consistentPoint(): bigint {
    return (this.#next += 0x100n);
  }
}

/** ChangeSource double: delivers what the test asks, one batch at a time, confirming like PostgreSQL. */
class FakeLsnSource implements ChangeSource {
  readonly capability = 'changeSource' as const;
  readonly kind = 'fake-lsn';
  readonly features: ReadonlySet<string> = new Set<string>();
  readonly config = { slot: 'fake_slot' };
  readonly server: FakeServer;
  #handler: ((b: ChangeBatch) => Promise<void>) | null = null;
  /** Delivered up to here (an instance resumes after the server's confirmed position). */
  #upTo: bigint;
  constructor(server: FakeServer) {
    this.server = server;
    this.#upTo = server.confirmed ?? 0n;
  }
  async start(): Promise<void> {}
  async health(): Promise<{ ok: boolean; detail: string }> {
    return { ok: true, detail: 'fake' };
  }
  async close(): Promise<void> {}
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
  async stream(handler: (b: ChangeBatch) => Promise<void>): Promise<ChangeStreamHandle> {
    this.#handler = handler;
    return { stop: async () => undefined, confirmedPosition: () => (this.server.confirmed === null ? null : lsn(this.server.confirmed)) };
  }
  /** The next `n` transactions as one batch; persisted once the handler resolved unless `confirm` is false. */
  async next(n: number, confirm = true): Promise<void> {
    const txns = this.server.txns.filter((t) => t.end > this.#upTo).slice(0, n);
    const last = txns[txns.length - 1];
    assert.ok(last && this.#handler);
    await this.#handler({ changes: txns.flatMap((t) => t.changes), invalid: [], position: lsn(last.end) });
    this.#upTo = last.end;
    if (confirm) this.server.confirmed = last.end;
  }
  /** One snapshot batch at consistent point `cp`; `last` ends the snapshot (persisted). */
  async snapshot(cp: bigint, rows: readonly { table: 'bookings' | 'outbox'; row: Record<string, unknown> }[], first: boolean, last: boolean): Promise<void> {
    assert.ok(this.#handler);
    const changes = rows.map((r, i) => env('r', r.table, r.row, { txId: null, lsn: cp, snapshot: last && i === rows.length - 1 ? 'last' : first && i === 0 ? 'first' : 'true' }));
    await this.#handler({ changes, invalid: [], position: lsn(cp) });
    if (last) {
      this.server.snapshotDone = true;
      this.server.confirmed = cp;
      this.#upTo = cp;
    }
  }
}

/** The log as the job sees it, with one fault: publishing to `topic` hangs (the process dies there) or fails once. */
function withFault(inner: MemoryEventLog, fault: { topic: string | null; mode: 'hang' | 'fail' }): EventLog {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'publish') {
        return async (topic: string, records: Parameters<EventLog['publish']>[1]) => {
          if (topic !== fault.topic) return target.publish(topic, records);
          if (fault.mode === 'hang') return new Promise<never>(() => undefined);
          fault.topic = null;
          throw new Error('injected publish failure');
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function all(log: EventLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const p of Object.keys(await log.endOffsets(topic))) out.push(...await log.read(topic, Number(p), '0', 100_000));
  return out;
}

/** How often each value occurs (a duplicate shows as 2). */
function counts(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

async function job(source: FakeLsnSource, log: EventLog, metrics: Registry): Promise<CdcJob> {
  return startCdcJob({ source, log, logger, metrics, keyColumns: KEYS, sequencing: 'lsn', topicPrefix: 'cdc' });
}

void describe('cdc job: exactly-once publishing across crashes', () => {
  void it('streamed transactions: a crash mid-publish, a crash before confirm, a failed publish; re-batched redeliveries', async () => {
    const metrics = new Registry();
    const log = createMemoryEventLog({}, { logger, metrics });
    await log.start();
    const server = new FakeServer();
    for (let t = 0; t < 14; t++) server.commit([2 * t, 2 * t + 1]);
    server.snapshotDone = true;
    server.confirmed = 0x100n;

    // run 1: two batches confirmed, then the process dies while publishing [T5..T7]: the domain topic
    // and the outbox change topic got their records, the bookings change topic did not
    const fault: { topic: string | null; mode: 'hang' | 'fail' } = { topic: null, mode: 'hang' };
    const s1 = new FakeLsnSource(server);
    const j1 = await job(s1, withFault(log, fault), metrics);
    await s1.next(2);
    await s1.next(3);
    fault.topic = 'cdc.booking.bookings';
    void s1.next(3);
    await waitFor('the domain records of T5..T7 landed', async () => (await all(log, TOPICS.booking.name)).length === 16);
    assert.equal((await all(log, 'cdc.booking.bookings')).length, 10, 'the bookings change records of T5..T7 did not land');
    void j1; // dropped: never stopped, never confirmed

    // run 2: the slot re-sends from T5, batched [T5], [T6..T8]; then [T9, T10] published but the process
    // dies before the source persists it
    const s2 = new FakeLsnSource(server);
    await job(s2, log, metrics);
    await s2.next(1);
    await s2.next(3);
    await s2.next(2, false);

    // run 3: [T9..T11] as one batch, then a publish that fails once (retried by the source, same batch)
    const s3 = new FakeLsnSource(server);
    const fault3: { topic: string | null; mode: 'hang' | 'fail' } = { topic: null, mode: 'fail' };
    const j3 = await job(s3, withFault(log, fault3), metrics);
    await s3.next(3);
    fault3.topic = TOPICS.booking.name;
    await assert.rejects(s3.next(2), /injected publish failure/);
    await s3.next(2);

    const events = await all(log, TOPICS.booking.name);
    const ids = counts(events.map((r) => r.headers[OUTBOX_HEADERS.eventId] ?? '?'));
    assert.equal(ids.size, 28, 'every event published');
    assert.deepEqual([...ids].filter(([, n]) => n > 1), [], 'none twice');
    const expected = server.txns.flatMap((t) => t.changes);
    for (const table of ['bookings', 'outbox'] as const) {
      const copies = counts((await all(log, `cdc.booking.${table}`)).map((r) => r.value));
      const want = expected.filter((e) => e.source.table === table).map((e) => JSON.stringify(e));
      assert.deepEqual([...copies.keys()].sort(), [...want].sort(), `every ${table} change copied`);
      assert.deepEqual([...copies].filter(([, n]) => n > 1), [], `no ${table} change twice`);
    }
    const text = await metrics.metrics();
    const skipped = (reason: string): number => Number(new RegExp(`gofuture_cdc_skipped_republish_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    // [T5]: 4, [T6..T8]: 8, [T9..T11]: 12, the retry of [T12, T13]: the 8 change records that landed
    assert.equal(skipped('identity'), 32, 'redeliveries (re-batched: other seqs) skipped by their change id');
    assert.equal(skipped('sequence'), 0, 'complete windows: the mark never had to decide');
    const sample = events[0];
    assert.equal(sample?.headers[CDC_HEADERS.source], 'fake-lsn:fake_slot');
    assert.match(sample?.headers[CDC_HEADERS.seq] ?? '', /^\d+$/);
    assert.match(sample?.headers[CDC_HEADERS.change] ?? '', /^tx:\d+\/\d+$/);
    await j3.stop();
    await log.close();
  });

  void it('a snapshot interrupted half-way and taken again at a new consistent point: each row once, changed rows again', async () => {
    const metrics = new Registry();
    const log = createMemoryEventLog({}, { logger, metrics });
    await log.start();
    const server = new FakeServer();
    const rows = (ns: readonly number[], changed = -1) => [
      ...ns.map((n) => ({ table: 'bookings' as const, row: bookingRow(n, n === changed ? 'accepted' : 'requested') })),
      ...ns.map((n) => ({ table: 'outbox' as const, row: outboxRow(n) })),
    ];
    // attempt 1 at CP1: 2 batches of 6 delivered, the 3rd dies publishing to the outbox change topic
    const cp1 = server.consistentPoint();
    const first = rows([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const s1 = new FakeLsnSource(server);
    const fault: { topic: string | null; mode: 'hang' | 'fail' } = { topic: null, mode: 'hang' };
    await job(s1, withFault(log, fault), metrics);
    await s1.snapshot(cp1, first.slice(0, 6), true, false);
    await s1.snapshot(cp1, first.slice(6, 12), false, false);
    fault.topic = 'cdc.booking.outbox';
    void s1.snapshot(cp1, first.slice(12, 18), false, false);
    await waitFor('the 3rd batch partly landed', async () => (await all(log, TOPICS.booking.name)).length === 8);

    // attempt 2 at CP2: booking 3 changed meanwhile, event 10 is new; rows come in another order
    const cp2 = server.consistentPoint();
    const second = rows([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 3);
    const s2 = new FakeLsnSource(server);
    const j2 = await job(s2, log, metrics);
    for (let i = 0; i < second.length; i += 7) await s2.snapshot(cp2, second.slice(i, i + 7), i === 0, i + 7 >= second.length);
    server.commit([11]);
    await s2.next(1);

    const ids = counts((await all(log, TOPICS.booking.name)).map((r) => r.headers[OUTBOX_HEADERS.eventId] ?? '?'));
    assert.deepEqual([...ids.keys()].sort(), Array.from({ length: 12 }, (_, n) => `evt-${n}`).sort(), 'every event routed, none lost');
    assert.deepEqual([...ids].filter(([, n]) => n > 1), [], 'none routed twice');
    const outbox = counts((await all(log, 'cdc.booking.outbox')).map((r) => r.key ?? '?'));
    assert.equal(outbox.size, 12);
    assert.deepEqual([...outbox].filter(([, n]) => n > 1), [], 'each outbox row copied once');
    const bookings = (await all(log, 'cdc.booking.bookings')).map((r) => JSON.parse(r.value) as DebeziumEnvelope);
    const perKey = counts(bookings.map((e) => String(e.after?.booking_id)));
    assert.deepEqual([...perKey].filter(([, n]) => n > 1), [['b3', 2]], 'only the row that changed between the attempts is there twice');
    const b3 = bookings.filter((e) => e.after?.booking_id === 'b3').map((e) => e.after?.status);
    assert.deepEqual(b3, ['requested', 'accepted'], 'its old snapshot value, then the new one');
    assert.ok(j2.stats.skippedRepublish >= 10, `rows of attempt 1 skipped in attempt 2 (${j2.stats.skippedRepublish})`);
    await j2.stop();
    await log.close();
  });

  void it('ledger: the window decides; where it is incomplete (windowMax) the high-water mark does; other sources are ignored', async () => {
    const metrics = new Registry();
    const log = createMemoryEventLog({}, { logger, metrics });
    await log.start();
    await log.ensureTopics([{ name: 'led', partitions: 1, keyField: 'k', retentionMs: 86_400_000, compression: 'none' }]);
    const seq = (i: number): bigint => (0x10n << 32n) | BigInt(i);
    const ours = (i: number) => ({ key: 'k', value: String(i), headers: { [CDC_HEADERS.source]: 'pg:a', [CDC_HEADERS.seq]: seq(i).toString(), [CDC_HEADERS.change]: `tx:1/${i}` } });
    const theirs = (i: number) => ({ key: 'k', value: `x${i}`, headers: { [CDC_HEADERS.source]: 'pg:b', [CDC_HEADERS.seq]: seq(1000 + i).toString(), [CDC_HEADERS.change]: `tx:9/${i}` } });
    await log.publish('led', Array.from({ length: 200 }, (_, i) => ours(i)));
    await log.publish('led', Array.from({ length: 10 }, (_, i) => theirs(i)));
    const item = (i: number, id = `tx:1/${i}`) => ({ topic: 'led', seq: seq(i), id, record: { key: 'k', value: String(i) } });

    const capped = new PublishLedger({ log, sourceId: 'pg:a', logger, windowMax: 64 });
    await capped.prepare(['led'], null); // nothing confirmed: all 200 are in the window, only the last ~64 read
    const f = await capped.filter([item(10), item(150), item(199), item(200), item(5, 'tx:2/0')]);
    assert.deepEqual(f.publish.map((x) => x.seq), [seq(200)], 'only the one after the mark is new');
    assert.equal(f.skippedById, 2, '150 and 199 by id (read back)');
    assert.equal(f.skippedBySeq, 2, '10 and the unknown id at 5 by the mark: the window is incomplete there');

    const full = new PublishLedger({ log, sourceId: 'pg:a', logger });
    await full.prepare(['led'], 0x10n - 1n);
    assert.equal(full.recentSize(), 200, 'the whole unconfirmed run read back');
    const g = await full.filter([item(10), item(5, 'tx:2/0'), item(201)]);
    assert.equal(g.skippedById, 1);
    assert.deepEqual(g.publish.map((x) => x.id), ['tx:2/0', 'tx:1/201'], 'a complete window: an id not in it is published whatever its seq');
    full.prune(0x10n);
    assert.equal(full.recentSize(), 0, 'confirmed: pruned');

    const other = new PublishLedger({ log, sourceId: 'pg:c', logger });
    await other.prepare(['led'], null);
    assert.equal((await other.filter([item(3)])).publish.length, 1, 'a source with nothing in the log skips nothing');
    await log.close();
  });
});
