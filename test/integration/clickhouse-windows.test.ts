/**
 * The windows job on ClickHouse (CLICKHOUSE_URL; Debian's 18.16 in the services profile): the world
 * of test/support/windows/job-world.ts on a database of its own. Run, stop, restart from the
 * checkpoint while events keep arriving: the rows ClickHouse shows (ReplacingMergeTree by version)
 * equal an engine that never stopped, and the metrics subgraph binds a hostile key safely.
 */
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClickHouseWarehouse, type ClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import { uniqueName } from '../conformance/helpers.ts';
import { windowsJobWorld } from '../support/windows/job-world.ts';
import { CLICKHOUSE_URL, clickhouseExec, requireClickHouse } from './support/services.ts';

void describe('windows job on ClickHouse', () => {
  const database = uniqueName('gf_windows');
  let wh: ClickHouseWarehouse;

  before(async () => {
    await requireClickHouse();
    wh = createClickHouseWarehouse({ url: CLICKHOUSE_URL, database, startRetry: { retries: 1, initialMs: 100, maxMs: 200 } }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
    await wh.start();
  });
  after(async () => {
    await wh?.close();
    await clickhouseExec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  });

  void it('restart from the checkpoint gives the rows of an engine that never stopped; a hostile key is bound safely', async () => {
    await windowsJobWorld(wh);
  });
});
