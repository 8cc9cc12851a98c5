/**
 * The metrics subgraph's warehouse SQL, in the portable subset of connectors/contracts/warehouse.ts
 * (DuckDB and ClickHouse 18.16): `{name}` parameters, no engine functions, no JOIN.
 */
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { SqlConditions } from '../common/index.ts';
import { WINDOW_COLUMNS, toJobStatus, toWindow, type JobStatusNode, type WindowNode } from './rows.ts';

/** Every job's row, its state derived at read time (`stale` after `staleAfterMs` without a heartbeat). */
export async function jobStatuses(wh: Warehouse, staleAfterMs: number, now = Date.now()): Promise<JobStatusNode[]> {
  const rows = await wh.query('SELECT job, state, processed, dead_lettered, last_error, updated_at FROM job_status ORDER BY job');
  return rows.map((r) => toJobStatus(r, now, staleAfterMs));
}

export interface WindowQuery {
  readonly windowMinutes: number;
  readonly from: number | null;
  readonly to: number | null;
  /** The newest `last` windows are returned, oldest first. */
  readonly last: number;
}

function windowConditions(q: WindowQuery): SqlConditions {
  return new SqlConditions()
    .add('window_minutes = {windowMinutes}', { windowMinutes: q.windowMinutes })
    .addIf(q.from, 'window_start >= {from}', 'from')
    .addIf(q.to, 'window_start < {to}', 'to');
}

export async function regionWindows(wh: Warehouse, regionId: string, q: WindowQuery): Promise<WindowNode[]> {
  const conds = windowConditions(q).add('region_id = {regionId}', { regionId });
  const rows = await wh.query(
    `SELECT region_id, ${WINDOW_COLUMNS} FROM region_windows${conds.where()} ORDER BY window_start DESC LIMIT {last}`,
    conds.params({ last: q.last }),
  );
  return rows.map(toWindow).reverse();
}

export async function platformWindows(wh: Warehouse, q: WindowQuery): Promise<WindowNode[]> {
  const conds = windowConditions(q);
  const rows = await wh.query(
    `SELECT ${WINDOW_COLUMNS} FROM platform_windows${conds.where()} ORDER BY window_start DESC LIMIT {last}`,
    conds.params({ last: q.last }),
  );
  return rows.map(toWindow).reverse();
}
