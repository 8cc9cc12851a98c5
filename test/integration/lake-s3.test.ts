/**
 * The S3 LakeStore against the services profile's S3 server (`bash scripts/services.sh up s3`;
 * S3_ENDPOINT, default http://127.0.0.1:18333): the LakeStore conformance suite unchanged (two
 * writers racing for one commit: exactly one wins, by conditional PUT), then Delta tables on S3
 * written by us and read by delta-rs straight from the bucket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { S3LakeStore, s3LakeStoreConfigSchema } from '../../connectors/s3/index.ts';
import { commitQuery, openLake, resolveRelation, type LakeTables } from '../../jobs/lake/delta/index.ts';
import { uniqueName, withCode } from '../conformance/helpers.ts';
import { lakeStoreConformance } from '../conformance/lake-store.suite.ts';
import { normalisedRows, readWithDeltaRs, sortRows } from './support/lake-readers.ts';

const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:18333';
const BUCKET = process.env.S3_TEST_BUCKET ?? 'gofuture-it';
/** Every key of this run lives under its own prefix. */
const RUN_PREFIX = `${uniqueName('run')}/`;
const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });
const store = (prefix = RUN_PREFIX): S3LakeStore => new S3LakeStore(s3LakeStoreConfigSchema.parse({ endpoint: S3_ENDPOINT, bucket: BUCKET, prefix }), ctx());

lakeStoreConformance(`s3 (${S3_ENDPOINT})`, async () => store());

void describe('Delta tables on S3', () => {
  let s: S3LakeStore;
  let lake: LakeTables;
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  let scratch: string;
  before(async () => {
    s = store(`${RUN_PREFIX}delta/`);
    await s.start();
    scratch = mkdtempSync(join(tmpdir(), 'gofuture-lake-s3-'));
    lake = openLake(s, { scratchDir: scratch });
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  });
  after(async () => {
    conn.closeSync();
    instance.closeSync();
    await lake.close();
    await s.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const COLUMNS = { id: 'int', region: 'text', fare: 'float', day: 'date' } as const;
  const rows = (day: string, n: number, from: number): string =>
    `SELECT (${from} + i)::BIGINT AS id, 'r' || (i % 4) AS region, (i * 0.5)::DOUBLE AS fare, DATE '${day}' AS day FROM range(${n}) t(i)`;

  void it('writes, overwrites a partition and reads back through the cache; delta-rs reads the same from the bucket', async () => {
    const name = 'gold.s3_check';
    await commitQuery(conn, lake, name, `${rows('2026-03-01', 100, 0)} UNION ALL ${rows('2026-03-02', 80, 1000)}`, { mode: 'append', partitionBy: ['day'] });
    await commitQuery(conn, lake, name, rows('2026-03-01', 10, 5000), { mode: 'overwrite-partitions', partitions: [{ day: '2026-03-01' }] });
    const { sql, snapshot } = await resolveRelation(lake, name);
    assert.equal(snapshot.version, 1);
    const ours = await normalisedRows(conn, sql, COLUMNS);
    assert.equal(ours.length, 90);
    const theirs = await readWithDeltaRs(`s3://${BUCKET}/${RUN_PREFIX}delta/tables/${name}`, {
      storageOptions: { AWS_ENDPOINT_URL: S3_ENDPOINT, AWS_ACCESS_KEY_ID: 'gofuture', AWS_SECRET_ACCESS_KEY: 'gofuture-secret', AWS_REGION: 'us-east-1', AWS_ALLOW_HTTP: 'true', AWS_S3_ALLOW_UNSAFE_RENAME: 'true' },
    });
    assert.equal(theirs.version, 1);
    assert.deepEqual(sortRows(theirs.rows), ours);
  });

  void it('two lakes committing to one table on S3 at once: every write lands once, no version lost', async () => {
    const name = 'bronze.s3_race';
    const other = openLake(store(`${RUN_PREFIX}delta/`), { scratchDir: join(scratch, 'other') });
    const otherStore = other.store;
    await otherStore.start();
    try {
      await Promise.all([lake, other].flatMap((l, w) => Array.from({ length: 5 }, (_, i) => l.table(name).append(conn, `SELECT ${w * 100 + i} AS n`))));
      const snap = await lake.table(name).snapshot();
      assert.equal(snap.version, 9);
      const { sql } = await resolveRelation(lake, name);
      const ns = (await conn.runAndReadAll(`SELECT list(n ORDER BY n) AS ns FROM ${sql}`)).getRowObjectsJS()[0]?.ns;
      assert.deepEqual(ns, [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]);
    } finally {
      await other.close();
      await otherStore.close();
    }
  });

  void it('an unreachable endpoint is CONNECTOR_UNAVAILABLE at start', async () => {
    const bad = new S3LakeStore(s3LakeStoreConfigSchema.parse({ endpoint: 'http://127.0.0.1:1', bucket: BUCKET, maxAttempts: 1 }), ctx());
    await assert.rejects(bad.start(), withCode('CONNECTOR_UNAVAILABLE'));
  });
});
