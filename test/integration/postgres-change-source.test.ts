/**
 * The PostgreSQL logical-replication ChangeSource against a real PostgreSQL 15 (PG_URL;
 * `bash scripts/services.sh up postgres`): snapshot as op 'r', then c/u/d/t envelopes, resume after
 * a stop without confirming, the persisted-LSN skip of re-sent transactions. Every test has its own
 * schema, slot and publication and drops them at the end.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ChangeBatch, ChangeStreamHandle } from '../../connectors/contracts/change-source.ts';
import { createPgChangeSource, type PgChangeSource } from '../../connectors/postgres/index.ts';
import type { DebeziumEnvelope } from '../../schema/events/debezium.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { dropCdcFixtures, PG_URL, pgExec, requirePostgres } from './support/postgres.ts';

const logger = pino({ level: 'silent' });

interface Fixture {
  readonly schema: string;
  readonly slot: string;
  readonly publication: string;
  readonly table: string;
}

function fixture(): Fixture {
  const base = uniqueName('cdct').toLowerCase();
  return { schema: base, slot: `${base}_slot`, publication: `${base}_pub`, table: `${base}.items` };
}

function source(f: Fixture, metrics = new Registry()): PgChangeSource {
  return createPgChangeSource({ url: PG_URL, slot: f.slot, publication: f.publication, tables: [f.table], snapshotBatchSize: 2, statusIntervalMs: 200 }, { logger, metrics });
}

const createTable = (f: Fixture): Promise<unknown> => pgExec(
  `CREATE SCHEMA ${f.schema}`,
  `CREATE TABLE ${f.table} (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags jsonb, at timestamptz, big bigint)`,
);

const all = (batches: readonly ChangeBatch[]): DebeziumEnvelope[] => batches.flatMap((b) => b.changes);
const ids = (envs: readonly DebeziumEnvelope[]): number[] => envs.map((e) => Number((e.after ?? e.before)?.id));

void describe('postgres change source', () => {
  before(() => requirePostgres());

  void it('snapshots existing rows as op r, then streams inserts, updates, deletes and truncates', async () => {
    const f = fixture();
    await createTable(f);
    await pgExec(`INSERT INTO ${f.table} VALUES (1, 'one', 1.50, '{"a":1}', '2024-05-01T10:00:00Z', 9007199254740993), (2, 'two', NULL, NULL, NULL, 2), (3, 'three', 3, '[]', NULL, 3)`);
    const metrics = new Registry();
    const src = source(f, metrics);
    const batches: ChangeBatch[] = [];
    let handle: ChangeStreamHandle | null = null;
    try {
      await src.start();
      const t0 = Date.now();
      handle = await src.stream(async (b) => void batches.push(b));
      await waitFor('3 snapshot rows', () => all(batches).length >= 3);
      const snap = all(batches);
      assert.deepEqual(snap.map((e) => e.op), ['r', 'r', 'r']);
      assert.deepEqual(ids(snap), [1, 2, 3]);
      assert.deepEqual(snap.map((e) => e.source.snapshot), ['first', 'true', 'last']);
      assert.equal(batches.length, 2, 'snapshotBatchSize 2: two batches');
      const first = snap[0]!;
      assert.equal(first.before, null);
      assert.deepEqual(first.after, { id: 1, name: 'one', price: 1.5, tags: '{"a": 1}', at: '2024-05-01T10:00:00.000Z', big: '9007199254740993' });
      assert.equal(first.source.connector, 'postgresql');
      assert.equal(first.source.db, 'gofuture');
      assert.equal(first.source.schema, f.schema);
      assert.equal(first.source.table, 'items');
      assert.equal(src.primaryKey(f.schema, 'items')?.join(), 'id');
      const snapshotMs = Date.now() - t0;

      const t1 = Date.now();
      await pgExec(`INSERT INTO ${f.table} VALUES (4, 'four', 4, '{"b":[1,2]}', '2024-05-02T00:00:00.5Z', 4)`);
      await pgExec(`UPDATE ${f.table} SET name = 'TWO', price = 2.25 WHERE id = 2`);
      await pgExec(`DELETE FROM ${f.table} WHERE id = 3`);
      await pgExec('BEGIN', `INSERT INTO ${f.table} VALUES (5, 'five', 5, NULL, NULL, 5), (6, 'six', 6, NULL, NULL, 6)`, 'COMMIT');
      await pgExec(`TRUNCATE ${f.table}`);
      await waitFor('c, u, d, c, c, t', () => all(batches).length >= 9);
      const streamMs = Date.now() - t1;
      const streamed = all(batches).slice(3);
      assert.deepEqual(streamed.map((e) => e.op), ['c', 'u', 'd', 'c', 'c', 't']);
      const [ins, upd, del, c5, c6, trunc] = streamed as [DebeziumEnvelope, DebeziumEnvelope, DebeziumEnvelope, DebeziumEnvelope, DebeziumEnvelope, DebeziumEnvelope];
      assert.equal(ins.before, null);
      assert.deepEqual(ins.after, { id: 4, name: 'four', price: 4, tags: '{"b": [1, 2]}', at: '2024-05-02T00:00:00.500Z', big: 4 });
      assert.deepEqual(upd.before, { id: 2, name: 'two', price: null, tags: null, at: null, big: 2 }, 'REPLICA IDENTITY FULL: the whole old row');
      assert.deepEqual(upd.after, { id: 2, name: 'TWO', price: 2.25, tags: null, at: null, big: 2 });
      assert.deepEqual(del.before, { id: 3, name: 'three', price: 3, tags: '[]', at: null, big: 3 });
      assert.equal(del.after, null);
      assert.equal(trunc.before, null);
      assert.equal(trunc.after, null);
      assert.equal(trunc.source.table, 'items');
      for (const e of streamed) {
        assert.equal(e.source.snapshot, false);
        assert.equal(typeof e.source.lsn, 'number');
        assert.equal(typeof e.source.txId, 'number');
        assert.ok(e.source.ts_ms > Date.now() - 60_000);
      }
      assert.equal(c5.source.txId, c6.source.txId, 'one transaction');
      assert.notEqual(ins.source.txId, upd.source.txId);
      const txBatch = batches.find((b) => b.changes.includes(c5));
      assert.ok(txBatch?.changes.includes(c6), 'a transaction is never split across batches');
      // positions are LSNs, increasing, and the last one is confirmed
      const positions = batches.slice(2).map((b) => b.position);
      for (const p of positions) assert.match(p, /^[0-9A-F]+\/[0-9A-F]+$/);
      await waitFor('last position confirmed', () => handle?.confirmedPosition() === positions[positions.length - 1]);
      const health = await src.health();
      assert.equal(health.ok, true, health.detail);
      const text = await metrics.metrics();
      assert.match(text, new RegExp(`gofuture_cdc_changes_total\\{table="${f.schema}.items",op="u"\\} 1`));
      await waitFor('lag gauge', async () => /gofuture_cdc_lag_bytes\{slot="[^"]+"\} \d+/.test(await metrics.metrics()));
      console.log(`# snapshot of 3 rows: ${snapshotMs} ms; 5 transactions streamed in ${streamMs} ms`);
    } finally {
      await handle?.stop();
      await src.close();
      await dropCdcFixtures({ slot: f.slot, publication: f.publication, schemas: [f.schema] });
    }
  });

  void it('resumes after a stop: the unconfirmed transaction again, confirmed ones never, no second snapshot', async () => {
    const f = fixture();
    await createTable(f);
    await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (0, 'before the slot')`);
    const seen: ChangeBatch[] = [];
    let rejected = 0;
    const a = source(f);
    const b = source(f);
    try {
      await a.start();
      const ha = await a.stream(async (batch) => {
        seen.push(batch);
        if (ids(batch.changes).includes(3)) {
          rejected++;
          throw new Error('handler down');
        }
      });
      await waitFor('snapshot row', () => seen.length >= 1);
      for (const id of [1, 2, 3]) await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (${id}, 'row ${id}')`);
      await waitFor('row 3 rejected twice (retried)', () => rejected >= 2);
      const confirmed = ha.confirmedPosition();
      await ha.stop();
      assert.deepEqual(ids(all(seen.filter((s) => !ids(s.changes).includes(3)))), [0, 1, 2]);
      const row2 = seen.find((s) => ids(s.changes).includes(2));
      assert.equal(confirmed, row2?.position, 'confirmed = the position of the last batch the handler resolved');
      await a.close();

      const again: ChangeBatch[] = [];
      await b.start();
      const hb = await b.stream(async (batch) => void again.push(batch));
      await waitFor('row 3 delivered again', () => ids(all(again)).includes(3));
      await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (4, 'row 4')`);
      await waitFor('row 4', () => ids(all(again)).includes(4));
      assert.deepEqual(ids(all(again)), [3, 4], 'no snapshot again, nothing confirmed delivered twice');
      assert.ok(all(again).every((e) => e.op === 'c'));
      await hb.stop();

      // the persisted confirmed LSN wins over the server: a transaction the handler confirmed but
      // whose confirmation never reached the slot (crash in between) is skipped when re-sent
      await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (5, 'row 5')`);
      const [lsn] = await pgExec<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (6, 'row 6')`);
      await pgExec(`UPDATE public._gofuture_cdc_state SET confirmed_lsn = '${lsn!.lsn}' WHERE slot = '${f.slot}'`);
      const third: ChangeBatch[] = [];
      const h3 = await b.stream(async (batch) => void third.push(batch));
      await waitFor('row 6', () => ids(all(third)).includes(6));
      assert.deepEqual(ids(all(third)), [6]);
      assert.equal(b.runStats()?.skippedRedeliveries, 1);
      await h3.stop();
    } finally {
      await a.close();
      await b.close();
      await dropCdcFixtures({ slot: f.slot, publication: f.publication, schemas: [f.schema] });
    }
  });

  void it('creates a missing publication FOR ALL TABLES, skips the snapshot with snapshot: never, reports health', async () => {
    const f = fixture();
    await createTable(f);
    await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (1, 'old')`);
    const src = createPgChangeSource({ url: PG_URL, slot: f.slot, publication: f.publication, snapshot: 'never', statusIntervalMs: 200 }, { logger, metrics: new Registry() });
    const seen: ChangeBatch[] = [];
    try {
      await src.start();
      const [pub] = await pgExec<{ puballtables: boolean }>(`SELECT puballtables FROM pg_publication WHERE pubname = '${f.publication}'`);
      assert.equal(pub?.puballtables, true);
      assert.equal((await src.health()).ok, false, 'no slot yet');
      const h = await src.stream(async (b) => void seen.push(b));
      await waitFor('slot active', async () => (await src.health()).ok);
      await pgExec(`INSERT INTO ${f.table} (id, name) VALUES (2, 'new')`);
      await waitFor('row 2', () => ids(all(seen).filter((e) => e.source.table === 'items')).includes(2));
      assert.deepEqual(ids(all(seen).filter((e) => e.source.table === 'items')), [2], 'no snapshot');
      assert.ok(all(seen).every((e) => e.source.table !== '_gofuture_cdc_state'), 'the state table is never captured');
      await h.stop();
      // PostgreSQL marks the slot inactive once its walsender has exited, just after the stop returns
      await waitFor('slot released', async () => !(await src.health()).ok);
      const health = await src.health();
      assert.equal(health.ok, false);
      assert.match(health.detail, /not active/);
    } finally {
      await src.close();
      await dropCdcFixtures({ slot: f.slot, publication: f.publication, schemas: [f.schema] });
    }
  });

});
