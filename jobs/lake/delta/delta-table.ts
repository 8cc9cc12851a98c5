/**
 * One Delta table over a LakeStore: log replay (cached, then only new commits read), snapshots,
 * history, and commits by optimistic concurrency: write the data files, then `putIfAbsent` the next
 * version; when another writer took it, read its commit and try again (an append cannot conflict;
 * an append whose txn appId already reached its version is skipped; an overwrite re-plans its
 * removes on the newer snapshot, so the last overwrite of a partition wins whole).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { PlatformError } from '../../../schema/errors.ts';
import type { LakeStore } from '../../../connectors/contracts/lake-store.ts';
import {
  parseCommit, READER_VERSION, serializeCommit, summarizeCommit, TableState, versionFile, versionOfKey, WRITER_VERSION, LOG_DIR,
  type Action, type AddAction, type CommitSummary, type PartitionValues, type RemoveAction,
} from './delta-log.ts';
import { CHECKPOINT_INTERVAL, checkpointVersionOfKey, lastCheckpointVersion, readCheckpoint, writeCheckpoint, type CheckpointDeps } from './checkpoint.ts';
import { quoteIdent, quoteLiteral, schemaString, type DeltaField } from './delta-schema.ts';
import { samePartition, stageQuery, type StagedWrite } from './delta-writer.ts';
import { Snapshot } from './snapshot.ts';

export const TABLE_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const ENGINE = 'gofuture-lake/0.1 (DuckDB)';
const MAX_ATTEMPTS = 50;

/** What a commit does besides adding its files: nothing, replace the table, replace partitions, or replace exactly these files (compaction). */
export type WriteMode =
  | { readonly kind: 'append' }
  | { readonly kind: 'all' }
  | { readonly kind: 'partitions'; readonly partitions: readonly PartitionValues[] }
  | { readonly kind: 'rewrite'; readonly files: readonly string[] };

export interface TxnMark { readonly appId: string; readonly version: number }

export interface WriteOptions {
  /** Partition columns when this write creates the table (must match an existing table's). */
  readonly partitionBy?: readonly string[];
  /** Idempotent streaming append: skipped when the table already has appId at or above version. */
  readonly txn?: TxnMark;
  /** Further txn marks committed with this one (several source partitions in one commit). */
  readonly txns?: readonly TxnMark[];
  /** Kept in commitInfo (e.g. source offsets). */
  readonly info?: Readonly<Record<string, unknown>>;
}

export interface CommitResult {
  /** The version committed, or the table's version when skipped. */
  readonly version: number;
  /** True when the txn was already committed: nothing written. */
  readonly skipped: boolean;
  readonly addedFiles: number;
  readonly removedFiles: number;
  readonly numRecords: number;
}

export interface TableDeps {
  readonly store: LakeStore;
  readonly scratchDir: string;
  readonly logger: Logger;
  /** A DuckDB connection for checkpoints (written every CHECKPOINT_INTERVAL versions, read first); absent: no checkpoints. */
  readonly withConnection?: CheckpointDeps['withConnection'];
}

export class DeltaTable {
  readonly name: string;
  /** `tables/<name>/` */
  readonly prefix: string;
  readonly #deps: TableDeps;
  #state: TableState | null = null;
  #lock: Promise<void> = Promise.resolve();

  constructor(name: string, deps: TableDeps) {
    if (!TABLE_NAME.test(name)) throw new PlatformError('LAKE_WRITE_INVALID', `invalid table name "${name}" (lower-case words joined by dots, e.g. silver.trips)`, { table: name });
    this.name = name;
    this.prefix = `tables/${name}/`;
    this.#deps = deps;
  }

  async exists(): Promise<boolean> {
    return (await this.#latest()).version >= 0;
  }

  /** The latest committed snapshot, or the one at `version` (time travel). No table: LAKE_TABLE_NOT_FOUND. */
  async snapshot(version?: number): Promise<Snapshot> {
    const state = version === undefined ? await this.#latest() : await this.#at(version);
    if (state.version < 0) throw new PlatformError('LAKE_TABLE_NOT_FOUND', `lake table ${this.name} does not exist`, { table: this.name });
    return new Snapshot(this.name, this.prefix, state);
  }

  /** Commits newest first (`limit` of them). Those before the checkpoint a reader started from are read from the JSON log. */
  async history(limit?: number): Promise<CommitSummary[]> {
    const state = await this.#latest();
    const all = [...state.commits].reverse();
    const want = limit ?? Infinity;
    for (let v = (state.commits[0]?.version ?? state.version + 1) - 1; v >= 0 && all.length < want; v--) {
      const bytes = await this.#deps.store.get(`${this.prefix}${versionFile(v)}`);
      if (!bytes) break; // cleaned up past the log retention
      all.push(summarizeCommit(v, parseCommit(bytes, v)));
    }
    return limit === undefined ? all : all.slice(0, limit);
  }

  /** Appends the rows of a DuckDB query (run on `conn`). */
  async append(conn: DuckDBConnection, sql: string, o: WriteOptions = {}): Promise<CommitResult> {
    return this.#write(conn, sql, o, { kind: 'append' });
  }

  /** Replaces the listed partitions with the query's rows in one commit (INSERT OVERWRITE); other partitions stay. */
  async overwritePartitions(conn: DuckDBConnection, partitions: readonly PartitionValues[], sql: string, o: WriteOptions = {}): Promise<CommitResult> {
    if (partitions.length === 0) throw new PlatformError('LAKE_WRITE_INVALID', 'overwritePartitions needs at least one partition');
    return this.#write(conn, sql, o, { kind: 'partitions', partitions });
  }

  /** Replaces the whole table's content in one commit. */
  async overwrite(conn: DuckDBConnection, sql: string, o: WriteOptions = {}): Promise<CommitResult> {
    return this.#write(conn, sql, o, { kind: 'all' });
  }

  /** Deletes data files no snapshot from now on references, older than `retentionMs` (default 7 days, as Delta). */
  async vacuum(o: { retentionMs?: number; dryRun?: boolean } = {}): Promise<{ deleted: string[] }> {
    const state = await this.#latest();
    const cutoff = Date.now() - (o.retentionMs ?? 7 * 24 * 3600_000);
    const live = new Set([...state.files.keys()].map((p) => decodeURIComponent(p)));
    const deleted: string[] = [];
    for (const obj of await this.#deps.store.list(this.prefix)) {
      const rel = obj.key.slice(this.prefix.length);
      if (rel.startsWith(`${LOG_DIR}/`) || live.has(rel)) continue;
      const removedAt = state.tombstones.get(rel)?.deletionTimestamp ?? 0;
      if (Math.max(obj.lastModified, removedAt) > cutoff) continue;
      if (!o.dryRun) {
        await this.#deps.store.delete(obj.key);
        // the local copy a remote store's reader cached (LakeTables.localFile) goes with it
        await rm(path.join(this.#deps.scratchDir, 'cache', ...obj.key.split('/')), { force: true });
      }
      deleted.push(rel);
    }
    if (deleted.length > 0) this.#deps.logger.info({ table: this.name, deleted: deleted.length, dryRun: o.dryRun ?? false }, 'vacuumed');
    return { deleted };
  }

  async #write(conn: DuckDBConnection, sql: string, o: WriteOptions, mode: WriteMode): Promise<CommitResult> {
    const marks = [...(o.txn ? [o.txn] : []), ...(o.txns ?? [])];
    const state = await this.#latest();
    if (marks.length > 0 && marks.every((m) => (state.txns.get(m.appId) ?? -1) >= m.version)) return skipped(state);
    const partitionBy = state.metaData ? [...state.metaData.partitionColumns] : [...(o.partitionBy ?? [])];
    if (state.metaData && o.partitionBy && JSON.stringify(o.partitionBy) !== JSON.stringify(partitionBy)) {
      throw new PlatformError('LAKE_WRITE_INVALID', `table ${this.name} is partitioned by [${partitionBy.join(', ')}], not [${o.partitionBy.join(', ')}]`, { table: this.name });
    }
    if (mode.kind === 'partitions') {
      for (const p of mode.partitions) {
        const keys = Object.keys(p).sort();
        if (JSON.stringify(keys) !== JSON.stringify([...partitionBy].sort())) {
          throw new PlatformError('LAKE_WRITE_INVALID', `partition ${JSON.stringify(p)} must name exactly the partition columns [${partitionBy.join(', ')}]`, { table: this.name });
        }
      }
    }
    const schema = state.metaData ? new Snapshot(this.name, this.prefix, state).schema : null;
    const staged = await stageQuery({
      conn, store: this.#deps.store, tablePrefix: this.prefix, scratchDir: this.#deps.scratchDir, sql, partitionBy, schema,
      ...(mode.kind === 'partitions' ? { allowedPartitions: mode.partitions } : {}),
    });
    return this.commitStaged(staged, { ...o, partitionBy }, mode, state);
  }

  /** Commits files already staged (the retry loop). Exposed for writers that stage their own files. */
  async commitStaged(staged: StagedWrite, o: WriteOptions, mode: WriteMode, first?: TableState): Promise<CommitResult> {
    const marks = [...(o.txn ? [o.txn] : []), ...(o.txns ?? [])];
    let state = first ?? (await this.#latest());
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        state = await this.#latest();
        // a conditional PUT whose answer was lost may have committed after all: our unique file names say so
        const first = staged.adds[0];
        if (first && state.files.has(first.path)) return { version: state.version, skipped: false, addedFiles: staged.adds.length, removedFiles: 0, numRecords: staged.numRecords };
      }
      if (marks.length > 0 && marks.every((m) => (state.txns.get(m.appId) ?? -1) >= m.version)) {
        // another writer (or our own earlier try) committed this batch: our files are orphans, unless
        // that commit was ours after all (a PUT whose answer was lost) and names them
        const orphans = staged.adds.filter((a) => !state.files.has(a.path));
        await Promise.all(orphans.map((a) => this.#deps.store.delete(`${this.prefix}${a.path}`)));
        return skipped(state);
      }
      let actions: Action[];
      try {
        actions = this.#plan(state, staged, o, mode, marks);
      } catch (e) {
        await Promise.all(staged.adds.map((a) => this.#deps.store.delete(`${this.prefix}${a.path}`)));
        throw e;
      }
      const version = state.version + 1;
      const won = await this.#deps.store.putIfAbsent(`${this.prefix}${versionFile(version)}`, serializeCommit(actions));
      if (won) {
        // the cache catches up on the next read (one GET), under the replay lock
        const removed = actions.filter((a) => 'remove' in a).length;
        this.#deps.logger.debug({ table: this.name, version, added: staged.adds.length, removed, rows: staged.numRecords }, 'committed');
        if (version > 0 && version % CHECKPOINT_INTERVAL === 0) await this.#checkpoint(version);
        return { version, skipped: false, addedFiles: staged.adds.length, removedFiles: removed, numRecords: staged.numRecords };
      }
      this.#deps.logger.debug({ table: this.name, version, attempt }, 'commit conflict: another writer took the version, retrying');
    }
    throw new PlatformError('LAKE_COMMIT_CONFLICT', `gave up committing to ${this.name} after ${MAX_ATTEMPTS} conflicts`, { table: this.name });
  }

  #plan(state: TableState, staged: StagedWrite, o: WriteOptions, mode: WriteMode, marks: readonly TxnMark[]): Action[] {
    const now = Date.now();
    const actions: Action[] = [];
    const partitionBy = state.metaData ? [...state.metaData.partitionColumns] : [...(o.partitionBy ?? [])];
    if (!state.metaData) {
      actions.push({ protocol: { minReaderVersion: READER_VERSION, minWriterVersion: WRITER_VERSION } });
      actions.push({ metaData: { id: randomUUID(), name: this.name, format: { provider: 'parquet', options: {} }, schemaString: schemaString(staged.fields), partitionColumns: partitionBy, configuration: {}, createdTime: now } });
    } else {
      const have = new Snapshot(this.name, this.prefix, state).schema;
      if (!sameColumns(have, staged.fields)) {
        throw new PlatformError('LAKE_WRITE_INVALID', `table ${this.name} was created by another writer with other columns meanwhile`, { table: this.name });
      }
    }
    const removes: RemoveAction[] = [];
    if (mode.kind === 'rewrite') {
      // compaction replaces exactly the files it read; if another commit removed one, it lost the race
      for (const path of mode.files) {
        const f = state.files.get(path);
        if (!f) throw new PlatformError('LAKE_COMMIT_CONFLICT', `${this.name}: file ${path} was removed by a concurrent commit; the rewrite is void`, { table: this.name, path });
        removes.push({ path: f.path, deletionTimestamp: now, dataChange: false, extendedFileMetadata: true, partitionValues: f.partitionValues, size: f.size });
      }
    } else if (mode.kind !== 'append') {
      for (const f of state.files.values()) {
        if (mode.kind === 'all' || mode.partitions.some((p) => samePartition(p, f.partitionValues, partitionBy))) {
          removes.push({ path: f.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: f.partitionValues, size: f.size });
        }
      }
    }
    for (const r of removes) actions.push({ remove: r });
    for (const a of staged.adds) actions.push({ add: a as AddAction });
    for (const m of marks) actions.push({ txn: { appId: m.appId, version: m.version, lastUpdated: now } });
    const operation = mode.kind === 'rewrite' ? 'OPTIMIZE' : mode.kind === 'append' ? (marks.length > 0 ? 'STREAMING UPDATE' : 'WRITE') : 'WRITE';
    const parameters: Record<string, string> = mode.kind === 'rewrite'
      ? { predicate: '[]', zOrderBy: '[]', auto: 'false' }
      : {
        mode: mode.kind === 'append' ? 'Append' : 'Overwrite',
        partitionBy: JSON.stringify(partitionBy),
        ...(mode.kind === 'partitions' ? { predicate: partitionPredicate(mode.partitions, partitionBy) } : {}),
      };
    actions.push({
      commitInfo: {
        ...(o.info ?? {}),
        timestamp: now,
        operation,
        operationParameters: parameters,
        ...(state.version >= 0 ? { readVersion: state.version } : {}),
        isBlindAppend: mode.kind === 'append',
        ...(mode.kind === 'rewrite' ? { isolationLevel: 'SnapshotIsolation' } : {}),
        operationMetrics: { numFiles: String(staged.adds.length), numOutputRows: String(staged.numRecords), numOutputBytes: String(staged.numBytes), numRemovedFiles: String(removes.length) },
        engineInfo: ENGINE,
      },
    });
    return actions;
  }

  /** The writer of version `version` checkpoints it (unless others committed meanwhile: theirs then). A failure only logs: the JSON log stays complete. */
  async #checkpoint(version: number): Promise<void> {
    const withConnection = this.#deps.withConnection;
    if (!withConnection) return;
    try {
      const state = await this.#latest();
      if (state.version !== version) return;
      await writeCheckpoint({ store: this.#deps.store, prefix: this.prefix, scratchDir: this.#deps.scratchDir, withConnection }, state);
      this.#deps.logger.debug({ table: this.name, version }, 'checkpoint written');
    } catch (e) {
      this.#deps.logger.warn({ table: this.name, version, err: (e as Error).message }, 'checkpoint not written (readers replay the JSON log)');
    }
  }

  /** The state at checkpoint `version` with the summary of its own commit, or null when it cannot be read. */
  async #fromCheckpoint(version: number): Promise<TableState | null> {
    const withConnection = this.#deps.withConnection;
    if (!withConnection) return null;
    try {
      const state = await readCheckpoint({ store: this.#deps.store, prefix: this.prefix, scratchDir: this.#deps.scratchDir, withConnection }, version);
      if (!state) return null;
      const own = await this.#deps.store.get(`${this.prefix}${versionFile(version)}`);
      if (own) state.commits.push(summarizeCommit(version, parseCommit(own, version)));
      return state;
    } catch (e) {
      this.#deps.logger.warn({ table: this.name, version, err: (e as Error).message }, 'checkpoint unreadable: replaying the JSON log');
      return null;
    }
  }

  /** The latest state: the cache plus any newer commits (probed one version at a time), or a full replay. */
  #latest(): Promise<TableState> {
    // one reader of new commits at a time: the cached state is advanced in place
    const next = this.#lock.then(() => this.#catchUp());
    this.#lock = next.then(() => undefined, () => undefined);
    return next;
  }

  async #catchUp(): Promise<TableState> {
    if (!this.#state) {
      // readers start from _last_checkpoint (then probe the commits after it), else replay the log
      const cp = this.#deps.withConnection ? await lastCheckpointVersion(this.#deps.store, this.prefix) : null;
      this.#state = (cp === null ? null : await this.#fromCheckpoint(cp)) ?? (await this.#replay(Infinity));
    }
    const state = this.#state;
    for (;;) {
      const bytes = await this.#deps.store.get(`${this.prefix}${versionFile(state.version + 1)}`);
      if (!bytes) return state;
      state.apply(state.version + 1, parseCommit(bytes, state.version + 1));
    }
  }

  async #at(version: number): Promise<TableState> {
    const state = await this.#replay(version);
    if (state.version !== version) throw new PlatformError('LAKE_TABLE_NOT_FOUND', `lake table ${this.name} has no version ${version} (latest ${state.version})`, { table: this.name, version });
    return state;
  }

  /** The state at `upTo` (or the newest listed): from the newest checkpoint at or below it, then the JSON commits after. */
  async #replay(upTo: number): Promise<TableState> {
    const listed = await this.#deps.store.list(`${this.prefix}${LOG_DIR}/`);
    const checkpoints = listed.map((o) => checkpointVersionOfKey(o.key)).filter((v): v is number => v !== null && v <= upTo).sort((a, b) => b - a);
    let state: TableState | null = null;
    for (const cp of checkpoints.slice(0, 1)) state = await this.#fromCheckpoint(cp);
    const from = state ? state.version : -1;
    const versions = listed
      .map((o) => versionOfKey(o.key))
      .filter((v): v is number => v !== null && v > from && v <= upTo)
      .sort((a, b) => a - b);
    const replayed = state ?? new TableState();
    const chunk = 16;
    for (let i = 0; i < versions.length; i += chunk) {
      const part = versions.slice(i, i + chunk);
      const bodies = await Promise.all(part.map((v) => this.#deps.store.get(`${this.prefix}${versionFile(v)}`)));
      part.forEach((v, j) => {
        const b = bodies[j];
        if (!b) throw new PlatformError('LAKE_TABLE_INVALID', `commit ${v} of ${this.name} vanished while reading`, { table: this.name });
        replayed.apply(v, parseCommit(b, v));
      });
    }
    return replayed;
  }
}

/** `d = '2026-01-01' OR d = '2026-01-02'`, as Delta writers record a replaceWhere. */
function partitionPredicate(partitions: readonly PartitionValues[], columns: readonly string[]): string {
  const one = (p: PartitionValues): string => columns.map((c) => {
    const v = p[c] ?? null;
    return v === null ? `${quoteIdent(c)} IS NULL` : `${quoteIdent(c)} = ${quoteLiteral(v)}`;
  }).join(' AND ');
  return partitions.map((p) => (columns.length > 1 && partitions.length > 1 ? `(${one(p)})` : one(p))).join(' OR ');
}

function sameColumns(a: readonly DeltaField[], b: readonly DeltaField[]): boolean {
  const key = (fs: readonly DeltaField[]): string => JSON.stringify([...fs].map((f) => f.name).sort());
  return key(a) === key(b);
}

function skipped(state: TableState): CommitResult {
  return { version: state.version, skipped: true, addedFiles: 0, removedFiles: 0, numRecords: 0 };
}
