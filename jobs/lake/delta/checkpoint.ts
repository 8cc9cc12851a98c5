/**
 * Delta checkpoints (PROTOCOL.md "Checkpoints", classic single-file): every CHECKPOINT_INTERVAL
 * versions the writer that made the version writes the table's whole state at it as
 * `_delta_log/<version>.checkpoint.parquet` (one row per action: protocol, metaData, every txn, every
 * live `add`, the `remove` tombstones; the other columns of a row null), then `_delta_log/_last_checkpoint`
 * (`{"version", "size", "sizeInBytes", "numOfAddFiles"}`). A reader starts from `_last_checkpoint`'s
 * checkpoint and applies only the JSON commits after it. Parquet written and read by DuckDB.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PlatformError } from '../../../schema/errors.ts';
import type { LakeStore } from '../../../connectors/contracts/lake-store.ts';
import { LAKE_STORE_FEATURES } from '../../../connectors/contracts/lake-store.ts';
import { LOG_DIR, TableState, type Action } from './delta-log.ts';
import { quoteLiteral } from './delta-schema.ts';

export const CHECKPOINT_INTERVAL = 10;
export const LAST_CHECKPOINT = `${LOG_DIR}/_last_checkpoint`;

export function checkpointFile(version: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.checkpoint.parquet`;
}

/** The version of a single-file checkpoint's key, or null. */
export function checkpointVersionOfKey(key: string): number | null {
  const m = /_delta_log\/(\d{20})\.checkpoint\.parquet$/.exec(key);
  return m ? Number(m[1]) : null;
}

const MAP = 'MAP(VARCHAR, VARCHAR)';
/** The checkpoint schema of the protocol (the columns Spark and delta-rs write for reader 1 / writer 2). */
const COLUMNS: Readonly<Record<string, string>> = {
  txn: 'STRUCT("appId" VARCHAR, "version" BIGINT, "lastUpdated" BIGINT)',
  add: `STRUCT("path" VARCHAR, "partitionValues" ${MAP}, "size" BIGINT, "modificationTime" BIGINT, "dataChange" BOOLEAN, "stats" VARCHAR, "tags" ${MAP})`,
  remove: `STRUCT("path" VARCHAR, "deletionTimestamp" BIGINT, "dataChange" BOOLEAN, "extendedFileMetadata" BOOLEAN, "partitionValues" ${MAP}, "size" BIGINT, "tags" ${MAP})`,
  metaData: `STRUCT("id" VARCHAR, "name" VARCHAR, "description" VARCHAR, "format" STRUCT("provider" VARCHAR, "options" ${MAP}), "schemaString" VARCHAR, "partitionColumns" VARCHAR[], "configuration" ${MAP}, "createdTime" BIGINT)`,
  protocol: 'STRUCT("minReaderVersion" INTEGER, "minWriterVersion" INTEGER)',
};

export interface CheckpointDeps {
  readonly store: LakeStore;
  /** `tables/<name>/` */
  readonly prefix: string;
  readonly scratchDir: string;
  /** Runs `fn` on a DuckDB connection no one else uses meanwhile. */
  readonly withConnection: <T>(fn: (conn: DuckDBConnection) => Promise<T>) => Promise<T>;
}

/** The actions a checkpoint holds for `state`, in a stable order. */
export function checkpointActions(state: TableState): Action[] {
  if (!state.protocol || !state.metaData) throw new PlatformError('LAKE_TABLE_INVALID', 'no checkpoint of a table without protocol and metaData');
  const byPath = <T extends { path: string }>(a: T, b: T): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return [
    { protocol: state.protocol },
    { metaData: state.metaData },
    ...[...state.txns].sort(([a], [b]) => (a < b ? -1 : 1)).map(([appId, version]): Action => ({ txn: { appId, version } })),
    ...[...state.files.values()].sort(byPath).map((add): Action => ({ add: { ...add, dataChange: false } })),
    ...[...state.tombstones.values()].sort(byPath).map((remove): Action => ({ remove })),
  ];
}

/** Writes the checkpoint of `state` (at state.version) and then `_last_checkpoint`. */
export async function writeCheckpoint(d: CheckpointDeps, state: TableState): Promise<void> {
  // taken before any await: the caller's state may advance meanwhile
  const version = state.version;
  const numOfAddFiles = state.files.size;
  const actions = checkpointActions(state);
  const dir = path.join(d.scratchDir, 'stage', `checkpoint-${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  try {
    const json = path.join(dir, 'actions.ndjson');
    const out = path.join(dir, 'checkpoint.parquet');
    await writeFile(json, actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
    const cols = `{${Object.entries(COLUMNS).map(([k, t]) => `${quoteLiteral(k)}: ${quoteLiteral(t)}`).join(', ')}}`;
    await d.withConnection((conn) => conn.run(`COPY (SELECT ${Object.keys(COLUMNS).map((c) => `"${c}"`).join(', ')} FROM read_json(${quoteLiteral(json)}, format = 'newline_delimited', columns = ${cols})) TO ${quoteLiteral(out)} (FORMAT parquet, COMPRESSION snappy)`));
    const bytes = await readFile(out);
    await d.store.put(`${d.prefix}${checkpointFile(version)}`, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const last = { version, size: actions.length, sizeInBytes: bytes.byteLength, numOfAddFiles };
    await d.store.put(`${d.prefix}${LAST_CHECKPOINT}`, new TextEncoder().encode(JSON.stringify(last)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The version `_last_checkpoint` names, or null (none, or unreadable: readers then replay the JSON log). */
export async function lastCheckpointVersion(store: LakeStore, prefix: string): Promise<number | null> {
  const bytes = await store.get(`${prefix}${LAST_CHECKPOINT}`);
  if (!bytes) return null;
  try {
    const v = (JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
  } catch {
    return null;
  }
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = k === 'partitionValues' ? x : withoutNulls(x);
  return out;
}

/** The table state at `version` read from its checkpoint (null when the checkpoint is not there). */
export async function readCheckpoint(d: CheckpointDeps, version: number): Promise<TableState | null> {
  const key = `${d.prefix}${checkpointFile(version)}`;
  let file: string;
  let tmp: string | null = null;
  if (d.store.features.has(LAKE_STORE_FEATURES.localPath)) {
    file = d.store.localPath(key);
    if (!(await stat(file).catch(() => null))) return null;
  } else {
    const bytes = await d.store.get(key);
    if (!bytes) return null;
    await mkdir(path.join(d.scratchDir, 'stage'), { recursive: true });
    tmp = file = path.join(d.scratchDir, 'stage', `checkpoint-${randomUUID()}.parquet`);
    await writeFile(tmp, bytes);
  }
  try {
    const rows = await d.withConnection(async (conn) => (await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet(${quoteLiteral(file)}) AS t`)).getRowObjectsJS());
    const actions: Action[] = [];
    for (const r of rows) {
      const row = JSON.parse(String(r.j)) as Record<string, unknown>;
      for (const [k, v] of Object.entries(row)) if (v !== null && k in COLUMNS) actions.push({ [k]: withoutNulls(v) } as Action);
    }
    return TableState.fromCheckpoint(version, actions);
  } finally {
    if (tmp) await rm(tmp, { force: true });
  }
}
