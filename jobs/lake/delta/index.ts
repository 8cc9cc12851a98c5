/**
 * The lake's table layer (Delta Lake protocol, reader v1 / writer v2) over a LakeStore: the one
 * place that knows object keys. Jobs, the SQL model runner and the orchestrator use these.
 * docs/decisions/0010-lake-delta-tables.md
 */
export { openLake, LakeTables, type LakeOptions } from './lake-tables.ts';
export { DeltaTable, TABLE_NAME, type CommitResult, type TxnMark, type WriteMode, type WriteOptions } from './delta-table.ts';
export { Snapshot, type DeltaFile } from './snapshot.ts';
export { resolveRelation, relationOfFiles, createTableView, commitQuery, type CommitMode, type ResolvedRelation } from './relation.ts';
export { appendRows, type AppendRowsOptions, type RowValue } from './rows.ts';
export { compactTable, type CompactionResult } from './compaction.ts';
export { vacuumLake } from './vacuum.ts';
export type { CommitSummary, PartitionValues } from './delta-log.ts';
export type { DeltaField, DeltaPrimitive } from './delta-schema.ts';
