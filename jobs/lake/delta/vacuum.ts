/** The vacuum task: every table of the lake vacuumed (files no current snapshot references, older than the retention). */
import type { LakeTables } from './lake-tables.ts';

export async function vacuumLake(lake: LakeTables, o: { retentionMs?: number; tables?: readonly string[] } = {}): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of o.tables ?? (await lake.list())) {
    const { deleted } = await lake.table(name).vacuum(o.retentionMs === undefined ? {} : { retentionMs: o.retentionMs });
    out[name] = deleted.length;
  }
  return out;
}
