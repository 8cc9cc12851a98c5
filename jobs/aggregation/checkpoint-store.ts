/**
 * The aggregation job's checkpoint: the whole WindowState snapshot (per-partition next offsets and
 * watermarks plus the open windows' counters) as ONE row, so it is written atomically on any
 * Warehouse (a single-row insert; DuckDB and ClickHouse both apply it whole). The job writes it after
 * each batch's window rows and before the batch's offsets are committed.
 *
 * The table is private to the job (no subgraph reads it); it lives here rather than in
 * schema/tables because nothing else may depend on its layout.
 */
import { z } from 'zod';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { WindowStateSnapshot } from './window-state.ts';

export const AGGREGATION_CHECKPOINTS: TableContract = {
  name: 'aggregation_checkpoints',
  columns: [
    { name: 'job', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'updated_at', type: 'int64' },
    { name: 'version', type: 'int64' },
  ],
  orderBy: ['job'],
  dedup: { key: ['job'], version: 'version' },
};

const counters = z.object({
  tripCount: z.number().int().nonnegative(),
  completedCount: z.number().int().nonnegative(),
  cancelledCount: z.number().int().nonnegative(),
  priceCount: z.number().int().nonnegative(),
  priceSum: z.number().finite(),
  revenue: z.number().finite(),
});

const SnapshotSchema = z.object({
  format: z.literal(1),
  watermark: z.number().nullable(),
  partitions: z.record(z.string(), z.object({ nextOffset: z.string().regex(/^\d+$/).nullable(), maxEventTime: z.number().nullable() })),
  windows: z.array(z.object({ regionId: z.string(), windowMinutes: z.number().int().positive(), windowStart: z.number().int(), counters })),
  seen: z.array(z.object({ windowMinutes: z.number().int().positive(), windowStart: z.number().int(), ids: z.array(z.string()) })).optional(),
});

export interface Checkpoint {
  readonly snapshot: WindowStateSnapshot;
  /** Sequence number of the checkpoint (the row version): the next one writes seq + 1. */
  readonly seq: number;
}

export async function loadCheckpoint(warehouse: Warehouse, job: string): Promise<Checkpoint | null> {
  const rows = await warehouse.query<{ state: string; version: number }>(
    `SELECT state, version FROM ${AGGREGATION_CHECKPOINTS.name} WHERE job = {job} ORDER BY version DESC LIMIT 1`,
    { job },
  );
  const row = rows[0];
  if (!row) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(row.state));
  } catch (e) {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `aggregation checkpoint of job ${job} is not JSON`, { job }, { cause: e });
  }
  const r = SnapshotSchema.safeParse(parsed);
  if (!r.success) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `aggregation checkpoint of job ${job} is invalid: ${r.error.issues[0]?.message ?? 'unknown'}`, { job });
  return { snapshot: r.data, seq: Number(row.version) };
}

export async function saveCheckpoint(warehouse: Warehouse, job: string, snapshot: WindowStateSnapshot, seq: number): Promise<void> {
  const r = await warehouse.insert(AGGREGATION_CHECKPOINTS.name, [{ job, state: JSON.stringify(snapshot), updated_at: Date.now(), version: seq }]);
  const rejected = r.rejected[0];
  if (rejected) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `aggregation checkpoint rejected: ${rejected.reason}`, { job });
}
