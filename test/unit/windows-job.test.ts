/**
 * The windows job on DuckDB: run, stopped and restarted from its checkpoint while events keep
 * arriving, its rows equal an engine that never stopped; a hostile key is bound safely when served
 * (test/support/windows/job-world.ts; the same world runs on ClickHouse in test/integration).
 */
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { windowsJobWorld } from '../support/windows/job-world.ts';

void test('windows job on DuckDB: restart from checkpoint gives the rows of an engine that never stopped', async () => {
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
  await warehouse.start();
  try {
    await windowsJobWorld(warehouse);
  } finally {
    await warehouse.close();
  }
});
