/**
 * The pipeline on the configured `connectors.lakeStore` = the services profile's S3 server
 * (`bash scripts/services.sh up s3`; S3_ENDPOINT, default http://127.0.0.1:18333): a simulated bronze
 * written to Delta tables on S3, `daily_etl` run through bin/pipeline.ts (the composition the
 * `gofuture pipeline` CLI and the orchestrator job use), then bronze, silver and gold on S3 read by
 * delta-rs straight from the bucket and compared, row for row, with what our layer reads; nothing is
 * written to a local lake folder.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { connectorRegistry } from '../../bin/connectors.ts';
import { openPipeline, type PipelineHandle } from '../../bin/pipeline.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { S3LakeStore, s3LakeStoreConfigSchema } from '../../connectors/s3/index.ts';
import { openLake, resolveRelation, type DeltaField, type LakeTables } from '../../jobs/lake/delta/index.ts';
import { uniqueName } from '../conformance/helpers.ts';
import { badRecords, simulatedBronze } from '../support/pipeline/bronze-fixture.ts';
import { writeLakeBronze } from '../support/pipeline/lake-bronze.ts';
import { normalisedRows, readWithDeltaRs, sortRows } from './support/lake-readers.ts';

const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:18333';
const BUCKET = process.env.S3_TEST_BUCKET ?? 'gofuture-it';
const PREFIX = `${uniqueName('pipeline')}/`;
const DAY = '2026-03-07';
const S3_OPTIONS = { AWS_ENDPOINT_URL: S3_ENDPOINT, AWS_ACCESS_KEY_ID: 'gofuture', AWS_SECRET_ACCESS_KEY: 'gofuture-secret', AWS_REGION: 'us-east-1', AWS_ALLOW_HTTP: 'true', AWS_S3_ALLOW_UNSAFE_RENAME: 'true' };
const logger = pino({ level: 'silent' });

type Kind = 'int' | 'float' | 'text' | 'bool' | 'date' | 'timestamp' | 'decimal';
function kindOf(f: DeltaField): Kind {
  switch (f.type) {
    case 'string': case 'binary': return 'text';
    case 'long': case 'integer': case 'short': case 'byte': return 'int';
    case 'float': case 'double': return 'float';
    case 'boolean': return 'bool';
    case 'date': return 'date';
    case 'timestamp': return 'timestamp';
    default: return 'decimal';
  }
}

void describe('daily_etl on the S3 lake (connectors.lakeStore kind s3)', () => {
  let dir: string;
  let warehouse: Warehouse;
  let h: PipelineHandle;
  let store: S3LakeStore;
  let lake: LakeTables;
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gofuture-pipeline-s3-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir, logLevel: 'silent',
        connectors: {
          lakeStore: { kind: 's3', endpoint: S3_ENDPOINT, bucket: BUCKET, prefix: PREFIX },
          warehouse: { kind: 'duckdb', path: join(dir, 'warehouse.duckdb') },
        },
      },
    });
    store = new S3LakeStore(s3LakeStoreConfigSchema.parse({ endpoint: S3_ENDPOINT, bucket: BUCKET, prefix: PREFIX }), { logger, metrics: new Registry() });
    await store.start();
    lake = openLake(store, { scratchDir: join(dir, 'test-scratch') });
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    const bronze = await simulatedBronze({ startTime: Date.parse('2026-03-06T23:00:00Z'), minutes: 150 });
    const dup = bronze.find((r) => r.ingest_date === DAY && r.topic === 'booking-events');
    assert.ok(dup);
    bronze.push(...badRecords(DAY, dup).rows);
    await writeLakeBronze(lake, bronze);
    const metrics = new Registry();
    warehouse = connectorRegistry().create<Warehouse>('warehouse', config.connectors.warehouse, { logger, metrics }, 'connectors.warehouse');
    await warehouse.start();
    h = await openPipeline(config, { warehouse }, logger, metrics);
    await h.pipeline.startWorker();
  });

  after(async () => {
    await h?.stop();
    await warehouse?.close();
    conn?.closeSync();
    instance?.closeSync();
    await lake?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  void it('fills silver and gold on S3 from bronze on S3, publishes the marts, and writes no local lake', { timeout: 600_000 }, async () => {
    const o = h.pipeline.orchestrator;
    await o.trigger('daily_etl', DAY);
    const s = await o.waitFor('daily_etl', DAY);
    assert.equal(s.state, 'succeeded', JSON.stringify(s.tasks.map((t) => [t.task, t.state, t.error])));
    const tables = await h.pipeline.catalog.tables();
    const names = tables.map((t) => t.name);
    for (const layer of ['bronze.', 'silver.', 'gold.']) assert.ok(names.some((n) => n.startsWith(layer)), `a ${layer} table in ${names.join(', ')}`);
    for (const n of ['silver.trips', 'silver.payments', 'gold.revenue_daily', 'gold.trips_region_hourly']) {
      const t = tables.find((x) => x.name === n);
      assert.ok(t && t.rows > 0, `${n} has rows`);
    }
    // the objects are in the bucket under the configured prefix, and the data dir has no local lake
    assert.ok((await store.list('tables/gold.revenue_daily/_delta_log/')).length > 0);
    assert.equal(existsSync(join(dir, 'lake')), false);
    // bronze compaction ran on S3: the day's bronze partition is one file per table
    const booking = await lake.table('bronze.booking_events').snapshot();
    assert.equal(booking.files.filter((f) => f.partitionValues.ingest_date === DAY).length, 1);
    const mart = await warehouse.query(`SELECT count(*) AS n FROM mart_revenue_daily WHERE metric_date = '${DAY}'`);
    assert.ok(Number(mart[0]?.n) > 0);
  });

  for (const name of ['bronze.booking_events', 'silver.trips', 'silver.quarantine', 'gold.revenue_daily', 'gold.payment_windows_10m']) {
    void it(`delta-rs reads ${name} from the bucket: our version, partition columns and exactly our rows`, { timeout: 300_000 }, async () => {
      const { sql, snapshot } = await resolveRelation(lake, name);
      const columns = Object.fromEntries(snapshot.schema.map((f) => [f.name, kindOf(f)]));
      const ours = await normalisedRows(conn, sql, columns);
      assert.ok(ours.length > 0);
      const theirs = await readWithDeltaRs(`s3://${BUCKET}/${PREFIX}tables/${name}`, { storageOptions: S3_OPTIONS });
      assert.equal(theirs.version, snapshot.version);
      assert.deepEqual(theirs.partition_columns, [...snapshot.partitionColumns]);
      assert.deepEqual(sortRows(theirs.rows), ours);
    });
  }
});
