/**
 * What the GraphQL `lakeTables` / `lakeTable` fields read: the tables of the lake with their layer,
 * version, partitions, rows and last commit, and a table's commit history.
 */
export interface LakeCommit {
  readonly version: number;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly operation: string;
  readonly addedFiles: number;
  readonly removedFiles: number;
  readonly outputRows: number;
}

export interface LakeTableInfo {
  readonly name: string;
  readonly layer: string;
  /** Delta version (null where the store has none). */
  readonly version: number | null;
  readonly partitions: readonly string[];
  readonly rows: number;
  readonly lastCommit: LakeCommit | null;
}

export interface LakeCatalog {
  tables(): Promise<LakeTableInfo[]>;
  table(name: string): Promise<LakeTableInfo | null>;
  history(name: string, limit?: number): Promise<LakeCommit[]>;
}

export const layerOf = (table: string): string => table.split('.')[0] ?? table;
