/**
 * The job-status reporter (issue 7 item 4) against a real DuckDB warehouse: a stop is recorded as
 * `stopped` with its time, and the counters continue across processes instead of restarting at 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { startJobStatusReporter, type JobStatusSource } from '../../jobs/support/job-status.ts';
import { WAREHOUSE_TABLES } from '../../schema/tables/warehouse-tables.ts';

const logger = pino({ level: 'silent' });

async function warehouse(): Promise<Warehouse> {
  const w = createDuckDbWarehouse({ path: ':memory:' }, { logger, metrics: new Registry() });
  await w.start();
  await w.ensureTables(WAREHOUSE_TABLES);
  return w;
}

function source(name: string, stats: { processed: number; deadLettered: number }): JobStatusSource {
  return { name, state: () => 'running', stats: () => stats };
}

const row = async (w: Warehouse, job: string) => (await w.query('SELECT * FROM job_status WHERE job = {job}', { job }))[0];

void test('a stopped job is recorded as stopped, with the time of the stop', async () => {
  const w = await warehouse();
  try {
    const r = startJobStatusReporter({ warehouse: w, sources: [source('landing-trips', { processed: 7, deadLettered: 1 })], intervalMs: 60_000, logger });
    await r.flush();
    assert.equal((await row(w, 'landing-trips'))?.state, 'running');
    const before = Date.now();
    await r.stop();
    const stopped = await row(w, 'landing-trips');
    assert.equal(stopped?.state, 'stopped');
    assert.ok(Number(stopped?.updated_at) >= before, 'updated_at is the stop time');
  } finally {
    await w.close();
  }
});

void test('counters continue from the stored totals in the next process', async () => {
  const w = await warehouse();
  try {
    const first = startJobStatusReporter({ warehouse: w, sources: [source('aggregation', { processed: 120, deadLettered: 4 })], intervalMs: 60_000, logger });
    await first.stop();
    // a new process: its own in-memory counters start at 0 again
    const stats = { processed: 0, deadLettered: 0 };
    const second = startJobStatusReporter({ warehouse: w, sources: [source('aggregation', stats)], intervalMs: 60_000, logger });
    await second.flush();
    assert.equal((await row(w, 'aggregation'))?.processed, 120);
    stats.processed = 30;
    stats.deadLettered = 1;
    await second.flush();
    const r = await row(w, 'aggregation');
    assert.equal(r?.processed, 150);
    assert.equal(r?.dead_lettered, 5);
    assert.equal(r?.state, 'running');
    await second.stop();
  } finally {
    await w.close();
  }
});
