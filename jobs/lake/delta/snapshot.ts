/** A committed version of a Delta table, as readers see it: files, partitions, schema, positions. */
import { numRecordsOf, type AddAction, type PartitionValues, type TableState } from './delta-log.ts';
import { parseSchemaString, type DeltaField } from './delta-schema.ts';

export interface DeltaFile {
  /** Relative to the table (as in the log). */
  readonly path: string;
  /** The LakeStore key. */
  readonly key: string;
  readonly partitionValues: PartitionValues;
  readonly size: number;
  readonly numRecords: number;
  readonly modificationTime: number;
}

export class Snapshot {
  readonly table: string;
  readonly version: number;
  readonly schema: readonly DeltaField[];
  readonly partitionColumns: readonly string[];
  readonly files: readonly DeltaFile[];
  readonly numRecords: number;
  /** Epoch ms of the last commit. */
  readonly timestamp: number;
  readonly tableId: string;
  readonly #txns: ReadonlyMap<string, number>;

  constructor(table: string, prefix: string, state: TableState) {
    if (!state.metaData) throw new Error('snapshot of a table without metaData');
    this.table = table;
    this.version = state.version;
    this.schema = Object.freeze(parseSchemaString(state.metaData.schemaString));
    this.partitionColumns = Object.freeze([...state.metaData.partitionColumns]);
    this.tableId = state.metaData.id;
    this.files = Object.freeze([...state.files.values()].map((a: AddAction) => Object.freeze({
      path: a.path,
      key: `${prefix}${decodeURIComponent(a.path)}`,
      partitionValues: a.partitionValues,
      size: a.size,
      numRecords: numRecordsOf(a),
      modificationTime: a.modificationTime,
    })).sort((x, y) => (x.path < y.path ? -1 : 1)));
    this.numRecords = this.files.reduce((s, f) => s + f.numRecords, 0);
    this.timestamp = state.commits.at(-1)?.timestamp ?? 0;
    this.#txns = new Map(state.txns);
  }

  /** Distinct partition values of the files, sorted. */
  partitions(): PartitionValues[] {
    const seen = new Map<string, PartitionValues>();
    for (const f of this.files) seen.set(JSON.stringify(this.partitionColumns.map((c) => f.partitionValues[c] ?? null)), f.partitionValues);
    return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }

  /** The last version committed by `appId` (a txn action), or undefined. */
  txnVersion(appId: string): number | undefined {
    return this.#txns.get(appId);
  }

  /** Every txn appId with its version whose appId starts with `prefix`. */
  txnsWithPrefix(prefix: string): Map<string, number> {
    return new Map([...this.#txns].filter(([k]) => k.startsWith(prefix)));
  }
}
