/**
 * The initial snapshot, consistent with the slot: the slot is created on a replication connection
 * with `(SNAPSHOT 'export')`; a normal connection imports that snapshot (`SET TRANSACTION SNAPSHOT`
 * in a REPEATABLE READ transaction) and reads every captured table through a cursor. Every row
 * committed before the slot's consistent point is in the snapshot, every later change is in the
 * stream: nothing missed, nothing twice.
 */
import pg from 'pg';
import type { CapturedTable } from './pg-admin.ts';
import { snapshotTypes } from './pg-values.ts';

export interface SnapshotRows {
  readonly table: CapturedTable;
  readonly rows: readonly Record<string, unknown>[];
}

export interface ExportedSnapshot {
  /** The slot's consistent point: streaming starts after it. */
  readonly consistentPoint: string;
  /** Reads the captured tables in batches of `batchSize` rows, all at the exported snapshot. */
  rows(tables: readonly CapturedTable[], batchSize: number): AsyncGenerator<SnapshotRows>;
  /** Ends the snapshot transaction and its connection. */
  close(): Promise<void>;
}

/** Creates the slot and opens a transaction on its exported snapshot. */
export async function createSlotWithSnapshot(url: string, slot: string, applicationName: string): Promise<ExportedSnapshot> {
  const replConfig: pg.ClientConfig & { replication: 'database' } = { connectionString: url, replication: 'database', application_name: applicationName };
  const repl = new pg.Client(replConfig);
  const reader = new pg.Client({ connectionString: url, types: snapshotTypes, application_name: applicationName });
  repl.on('error', () => undefined);
  reader.on('error', () => undefined);
  try {
    await Promise.all([repl.connect(), reader.connect()]);
    const created = await repl.query<{ consistent_point: string; snapshot_name: string }>(`CREATE_REPLICATION_SLOT "${slot}" LOGICAL pgoutput (SNAPSHOT 'export')`);
    const row = created.rows[0];
    if (!row) throw new Error('CREATE_REPLICATION_SLOT returned no row');
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query(`SET TRANSACTION SNAPSHOT '${row.snapshot_name.replace(/'/g, "''")}'`);
    // the snapshot is imported: the exporting replication connection may go
    await repl.end();
    return {
      consistentPoint: row.consistent_point,
      rows: async function* (tables, batchSize) {
        for (const table of tables) {
          await reader.query(`DECLARE gofuture_snapshot NO SCROLL CURSOR FOR SELECT * FROM "${table.schema}"."${table.table}"`);
          for (;;) {
            const r = await reader.query<Record<string, unknown>>(`FETCH FORWARD ${batchSize} FROM gofuture_snapshot`);
            if (r.rows.length > 0) yield { table, rows: r.rows };
            if (r.rows.length < batchSize) break;
          }
          await reader.query('CLOSE gofuture_snapshot');
        }
      },
      close: async () => {
        await reader.query('COMMIT').catch(() => undefined);
        await reader.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await repl.end().catch(() => undefined);
    await reader.end().catch(() => undefined);
    throw e;
  }
}
