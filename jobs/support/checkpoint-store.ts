/**
 * A job's checkpoint: its whole state as ONE JSON row of a checkpoint table
 * (schema/windows/window-tables.ts checkpointTable: job, state, updated_at, version), so it is
 * written atomically on any Warehouse. The row version is a sequence number; the newest row wins.
 */
import type { z } from 'zod';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';

export interface Checkpoint<S> {
  /** null: the row holds a state of an older layout (`isOlderLayout`), which is not resumed. */
  readonly state: S | null;
  /** Sequence number of the row (its version): the next checkpoint writes seq + 1. */
  readonly seq: number;
}

export async function loadCheckpoint<S>(
  warehouse: Warehouse,
  table: TableContract,
  job: string,
  schema: z.ZodType<S>,
  isOlderLayout: (parsed: unknown) => boolean = () => false,
): Promise<Checkpoint<S> | null> {
  const rows = await warehouse.query<{ state: string; version: number }>(`SELECT state, version FROM ${table.name} WHERE job = {job} ORDER BY version DESC LIMIT 1`, { job });
  const row = rows[0];
  if (!row) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(row.state));
  } catch (e) {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `checkpoint of ${job} in ${table.name} is not JSON`, { job }, { cause: e });
  }
  const seq = Number(row.version);
  if (isOlderLayout(parsed)) return { state: null, seq };
  const r = schema.safeParse(parsed);
  if (!r.success) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `checkpoint of ${job} in ${table.name} is invalid: ${r.error.issues[0]?.message ?? 'unknown'}`, { job });
  return { state: r.data, seq };
}

export async function saveCheckpoint(warehouse: Warehouse, table: TableContract, job: string, state: unknown, seq: number): Promise<void> {
  const r = await warehouse.insert(table.name, [{ job, state: JSON.stringify(state), updated_at: Date.now(), version: seq }]);
  const rejected = r.rejected[0];
  if (rejected) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `checkpoint of ${job} rejected: ${rejected.reason}`, { job });
}
