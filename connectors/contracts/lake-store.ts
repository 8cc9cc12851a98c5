/**
 * LakeStore: Parquet objects by table and date partition (bronze, silver, gold), published
 * atomically: readers see the old partition or the new one, never a half-written one.
 * Contract only for now: the lake jobs arrive with the lake issue.
 */
import type { Connector } from './connector.ts';

export interface LakeObject {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface LakeStore extends Connector {
  readonly capability: 'lakeStore';
  /** Replaces partition `partition` of `table` with `objects`, atomically (INSERT OVERWRITE). */
  publishPartition(table: string, partition: string, objects: readonly LakeObject[]): Promise<void>;
  listPartitions(table: string): Promise<string[]>;
  readPartition(table: string, partition: string): Promise<LakeObject[]>;
}
