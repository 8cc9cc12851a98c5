/**
 * The Delta transaction log: actions as the protocol spells them, one JSON object per line in
 * `_delta_log/<20-digit version>.json`, and the replay of commits into table state.
 * https://github.com/delta-io/delta/blob/master/PROTOCOL.md
 */
import { PlatformError } from '../../../schema/errors.ts';

export const READER_VERSION = 1;
export const WRITER_VERSION = 2;

export type PartitionValues = Readonly<Record<string, string | null>>;

export interface ProtocolAction { readonly minReaderVersion: number; readonly minWriterVersion: number }
export interface MetaDataAction {
  readonly id: string;
  readonly name?: string;
  readonly format: { readonly provider: 'parquet'; readonly options: Readonly<Record<string, string>> };
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly createdTime: number;
}
export interface AddAction {
  readonly path: string;
  readonly partitionValues: PartitionValues;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  /** JSON text: `{"numRecords": n}`. */
  readonly stats?: string;
}
export interface RemoveAction {
  readonly path: string;
  readonly deletionTimestamp: number;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean;
  readonly partitionValues?: PartitionValues;
  readonly size?: number;
}
export interface TxnAction { readonly appId: string; readonly version: number; readonly lastUpdated?: number }
export interface CommitInfoAction {
  readonly timestamp: number;
  readonly operation: string;
  readonly operationParameters: Readonly<Record<string, string>>;
  readonly readVersion?: number;
  readonly isBlindAppend?: boolean;
  readonly operationMetrics?: Readonly<Record<string, string>>;
  readonly engineInfo?: string;
  /** Our own: what a writer wants to keep with the commit (bronze: source offsets). */
  readonly [extra: string]: unknown;
}

export type Action =
  | { readonly protocol: ProtocolAction }
  | { readonly metaData: MetaDataAction }
  | { readonly add: AddAction }
  | { readonly remove: RemoveAction }
  | { readonly txn: TxnAction }
  | { readonly commitInfo: CommitInfoAction };

export const LOG_DIR = '_delta_log';

export function versionFile(version: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.json`;
}

/** The version of a log key's file name, or null when it is not a JSON commit. */
export function versionOfKey(key: string): number | null {
  const m = /_delta_log\/(\d{20})\.json$/.exec(key);
  return m ? Number(m[1]) : null;
}

export function serializeCommit(actions: readonly Action[]): Uint8Array {
  return new TextEncoder().encode(actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

export function parseCommit(bytes: Uint8Array, version: number): Action[] {
  const text = new TextDecoder().decode(bytes);
  const out: Action[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as Action);
    } catch (e) {
      throw new PlatformError('LAKE_TABLE_INVALID', `commit ${version} has a line that is not JSON`, { version }, { cause: e });
    }
  }
  return out;
}

export function numRecordsOf(add: AddAction): number {
  if (!add.stats) return 0;
  try {
    const n = (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords;
    return typeof n === 'number' ? n : 0;
  } catch {
    return 0;
  }
}

export interface CommitSummary {
  readonly version: number;
  readonly timestamp: number;
  readonly operation: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly numAddedFiles: number;
  readonly numRemovedFiles: number;
  /** Rows of the files this commit added. */
  readonly numOutputRows: number;
  readonly commitInfo: CommitInfoAction | null;
}

/** The state of a table after replaying commits 0..version. Mutable while replaying; frozen views are handed out. */
export class TableState {
  version = -1;
  protocol: ProtocolAction | null = null;
  metaData: MetaDataAction | null = null;
  readonly files = new Map<string, AddAction>();
  readonly tombstones = new Map<string, RemoveAction>();
  readonly txns = new Map<string, number>();
  readonly commits: CommitSummary[] = [];

  apply(version: number, actions: readonly Action[]): void {
    if (version !== this.version + 1) throw new PlatformError('LAKE_TABLE_INVALID', `commit ${version} follows ${this.version}: the log has a gap`, { version });
    this.#applyActions(actions);
    if (!this.protocol || !this.metaData) throw new PlatformError('LAKE_TABLE_INVALID', `commit ${version}: no protocol or metaData before it`, { version });
    this.version = version;
    this.commits.push(summarizeCommit(version, actions));
  }

  /**
   * The state at `version` from the actions of its checkpoint. `commits` then holds only what is
   * added after (and the checkpoint's own commit, when the caller adds it): older history is read
   * from the JSON commits on demand.
   */
  static fromCheckpoint(version: number, actions: readonly Action[]): TableState {
    const s = new TableState();
    s.#applyActions(actions);
    if (!s.protocol || !s.metaData) throw new PlatformError('LAKE_TABLE_INVALID', `checkpoint ${version} has no protocol or metaData`, { version });
    s.version = version;
    return s;
  }

  #applyActions(actions: readonly Action[]): void {
    for (const a of actions) {
      if ('protocol' in a) {
        if (a.protocol.minReaderVersion > READER_VERSION) {
          throw new PlatformError('LAKE_TABLE_INVALID', `table needs reader version ${a.protocol.minReaderVersion}; we read version ${READER_VERSION}`);
        }
        this.protocol = a.protocol;
      } else if ('metaData' in a) {
        this.metaData = a.metaData;
      } else if ('add' in a) {
        this.files.set(a.add.path, a.add);
        this.tombstones.delete(a.add.path);
      } else if ('remove' in a) {
        this.files.delete(a.remove.path);
        this.tombstones.set(a.remove.path, a.remove);
      } else if ('txn' in a) {
        this.txns.set(a.txn.appId, a.txn.version);
      }
      // other actions (cdc, domainMetadata, ...) need writer features we do not declare: ignored
    }
  }
}

/** What history shows of one commit. */
export function summarizeCommit(version: number, actions: readonly Action[]): CommitSummary {
  let added = 0;
  let removed = 0;
  let rows = 0;
  let info: CommitInfoAction | null = null;
  for (const a of actions) {
    if ('add' in a) {
      added++;
      rows += numRecordsOf(a.add);
    } else if ('remove' in a) {
      removed++;
    } else if ('commitInfo' in a) {
      info = a.commitInfo;
    }
  }
  return {
    version,
    timestamp: info?.timestamp ?? 0,
    operation: info?.operation ?? 'UNKNOWN',
    parameters: info?.operationParameters ?? {},
    numAddedFiles: added,
    numRemovedFiles: removed,
    numOutputRows: rows,
    commitInfo: info,
  };
}
