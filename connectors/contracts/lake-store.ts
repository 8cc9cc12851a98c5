/**
 * LakeStore: object storage for the lake (local disk, S3). Keys are `/`-separated strings such as
 * `tables/silver.trips/_delta_log/00000000000000000003.json`; values are bytes. The table format
 * (Delta log over Parquet) lives above this contract in jobs/lake/delta, so a store knows nothing
 * of tables.
 *
 * Semantics every implementation keeps (test/conformance/lake-store.suite.ts checks them):
 * - `put` replaces the whole object atomically: a reader sees the old bytes or the new ones.
 * - `putIfAbsent` is the commit primitive: it creates the object only if no object has the key,
 *   atomically. Of writers racing for one key exactly one gets `true`; the others get `false` and
 *   the winner's bytes stay. A crash never leaves a partial object under the key.
 * - `get` of a missing key is `null`; `delete` of a missing key is not an error.
 * - `list(prefix)` returns every object whose key starts with `prefix` (a plain string prefix, not
 *   only whole folders), sorted by key.
 * - A key is non-empty, has no empty, `.` or `..` segment, no leading `/` and no control
 *   characters; others are LAKE_KEY_INVALID.
 * Optional feature `localPath`: `localPath(key)` is a file DuckDB can read in place.
 */
import type { Connector } from './connector.ts';

export interface LakeObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Epoch ms of the last write. */
  readonly lastModified: number;
}

export interface LakeStore extends Connector {
  readonly capability: 'lakeStore';
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** True when this call created the object; false when the key already existed (nothing written). */
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean>;
  get(key: string): Promise<Uint8Array | null>;
  list(prefix: string): Promise<LakeObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** Feature `localPath`: the file holding the object (it may not exist). Others: CAPABILITY_UNSUPPORTED. */
  localPath(key: string): string;
}

export const LAKE_STORE_FEATURES = { localPath: 'localPath' } as const;

/** The key rule of the contract; implementations call it before touching storage. */
export function lakeKeyProblem(key: string): string | null {
  if (key.length === 0) return 'empty key';
  if (key.startsWith('/')) return 'leading /';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'control character or backslash';
  for (const seg of key.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') return `segment "${seg}"`;
  }
  return null;
}
