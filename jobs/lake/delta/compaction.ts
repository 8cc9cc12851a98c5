/**
 * Compaction (Delta's OPTIMIZE): the small files of a partition (bronze writes one per flush)
 * rewritten into one, as one commit that removes exactly the files read and adds the new one, both
 * with dataChange=false, so streaming readers of the table's changes skip it. If a concurrent commit
 * removed one of those files, the rewrite is void (LAKE_COMMIT_CONFLICT) and leaves nothing behind;
 * appends that land meanwhile are untouched.
 */
import { stageQuery } from './delta-writer.ts';
import type { PartitionValues } from './delta-log.ts';
import type { LakeTables } from './lake-tables.ts';
import { relationOfFiles } from './relation.ts';
import type { DeltaFile } from './snapshot.ts';
import { samePartition } from './delta-writer.ts';

export interface CompactionResult {
  /** The version committed, or null when no partition had enough files. */
  readonly version: number | null;
  readonly partitions: number;
  readonly removedFiles: number;
  readonly addedFiles: number;
}

export async function compactTable(lake: LakeTables, name: string, o: { partitions?: readonly PartitionValues[]; minFiles?: number } = {}): Promise<CompactionResult> {
  const table = lake.table(name);
  const snap = await table.snapshot();
  const minFiles = o.minFiles ?? 2;
  const groups = new Map<string, DeltaFile[]>();
  for (const f of snap.files) {
    if (o.partitions && !o.partitions.some((p) => samePartition(p, f.partitionValues, snap.partitionColumns))) continue;
    const k = JSON.stringify(snap.partitionColumns.map((c) => f.partitionValues[c] ?? null));
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const chosen = [...groups.values()].filter((g) => g.length >= minFiles);
  if (chosen.length === 0) return { version: null, partitions: 0, removedFiles: 0, addedFiles: 0 };
  const files = chosen.flat();
  const sql = `SELECT * FROM ${await relationOfFiles(lake, snap, files)} AS t`;
  const staged = await stageQuery({
    conn: await lake.connection(), store: lake.store, tablePrefix: table.prefix, scratchDir: lake.scratchDir, sql, partitionBy: snap.partitionColumns, schema: snap.schema,
  });
  const rewritten = { ...staged, adds: staged.adds.map((a) => ({ ...a, dataChange: false })) };
  const r = await table.commitStaged(rewritten, {}, { kind: 'rewrite', files: files.map((f) => f.path) });
  return { version: r.version, partitions: chosen.length, removedFiles: files.length, addedFiles: staged.adds.length };
}
