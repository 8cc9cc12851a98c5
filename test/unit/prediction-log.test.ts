/** The prediction log writer on a real local lake: batched Delta appends, flush at stop, a bounded buffer with counted drops when the lake is down. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { openLake, resolveRelation } from '../../jobs/lake/delta/index.ts';
import { PredictionLogWriter } from '../../jobs/prediction-log/index.ts';
import { PREDICTION_LOG_TABLE, type PredictionRecord } from '../../schema/ml/prediction-log.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

const silent = pino({ level: 'silent' });
const AT = Date.UTC(2024, 4, 1, 15);

function rec(i: number, variant: PredictionRecord['variant'] = 'champion'): PredictionRecord {
  return {
    requestId: `req-${i}`, model: 'fraud_score', version: variant === 'champion' ? '1' : '2', alias: variant === 'champion' ? 'champion' : 'challenger', variant,
    entityId: `p-${i}`, features: { amount_log: i / 10, is_crypto: i % 2 }, outputs: { probability: [i / 100] }, decision: i % 2 === 0, predictedAt: AT + i,
  };
}

async function counterValue(metrics: Registry, name: string): Promise<number> {
  return (await metrics.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
}

void describe('prediction log writer', () => {
  let f: LakeFixture;
  before(async () => {
    f = await lakeFixture();
  });
  after(async () => {
    await f.close();
  });

  void it('appends every record to ml.prediction_log in batches and flushes the rest at stop', async () => {
    const metrics = new Registry();
    const w = new PredictionLogWriter({ lake: f.lake, logger: silent, metrics, flushMs: 60_000, batchRows: 10 });
    w.start();
    w.write(Array.from({ length: 25 }, (_, i) => rec(i)));
    w.write([rec(100, 'shadow')]);
    await w.stop();
    assert.deepEqual({ ...w.stats(), commits: undefined }, { buffered: 0, written: 26, dropped: 0, failedFlushes: 0, commits: undefined });
    assert.equal(w.stats().commits, 3, 'batches of at most 10 rows');
    const { sql } = await resolveRelation(f.lake, PREDICTION_LOG_TABLE);
    const rows = await query(f.conn, `SELECT request_id, model, version, alias, variant, entity_id, features, outputs, decision, epoch_ms(predicted_at)::DOUBLE AS ts, prediction_date::VARCHAR AS d FROM ${sql} ORDER BY ts`);
    assert.equal(rows.length, 26);
    assert.deepEqual(rows[3], {
      request_id: 'req-3', model: 'fraud_score', version: '1', alias: 'champion', variant: 'champion', entity_id: 'p-3',
      features: JSON.stringify({ amount_log: 0.3, is_crypto: 1 }), outputs: JSON.stringify({ probability: [0.03] }), decision: false, ts: AT + 3, d: '2024-05-01',
    });
    assert.equal(rows.at(-1)?.variant, 'shadow');
    assert.equal(await counterValue(metrics, 'gofuture_prediction_log_rows_total'), 26);
  });

  void it('when the lake is down: write() still returns at once, rows wait in a bounded buffer, the overflow is dropped and counted', async () => {
    // a lake whose root is a plain file: every put fails for real
    const blocker = join(f.root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const store = createLocalLakeStore({ root: blocker }, { logger: silent, metrics: new Registry() });
    const lake = openLake(store, { scratchDir: join(f.root, 'scratch-down') });
    const metrics = new Registry();
    const w = new PredictionLogWriter({ lake, logger: silent, metrics, flushMs: 60_000, batchRows: 100, maxBuffered: 5 });
    for (let i = 0; i < 8; i++) w.write([rec(i)]);
    await w.flush();
    assert.deepEqual({ buffered: w.stats().buffered, dropped: w.stats().dropped, written: w.stats().written }, { buffered: 5, dropped: 3, written: 0 });
    assert.ok(w.stats().failedFlushes >= 1);
    assert.equal(await counterValue(metrics, 'gofuture_prediction_log_dropped_total'), 3);
    assert.ok((await counterValue(metrics, 'gofuture_prediction_log_flush_failures_total')) >= 1);
    await w.stop();
    w.write([rec(99)]);
    assert.equal(w.stats().dropped, 4, 'after stop writes are refused and counted');
    await lake.close();
  });
});
