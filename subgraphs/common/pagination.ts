/**
 * Keyset pagination in `time DESC, id DESC` order: the page arguments (`first`, `after`), the SQL
 * condition for "after this cursor", and the Relay-style connection built from `limit + 1` rows.
 */
import type { Row, SqlParams, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { num, type SqlConditions } from './sql.ts';
import { decodeKeysetCursor, encodeKeysetCursor, type KeysetPosition } from './cursor.ts';
import { pageSize, type PageSizeLimits } from './validation.ts';

export interface KeysetPage {
  /** Rows to return (fetch `limit + 1` to know whether there is a next page). */
  readonly limit: number;
  readonly after: KeysetPosition | null;
}

export function keysetPage(args: { readonly first?: number | null; readonly after?: string | null }, limits: PageSizeLimits = {}): KeysetPage {
  const limit = pageSize(args.first, limits);
  const after = args.after == null ? null : decodeKeysetCursor(args.after);
  return { limit, after };
}

/**
 * Rows strictly after `after` in `timeColumn DESC, idColumn DESC` order, with its parameters
 * (`afterAt`, `afterId`). Column names are the caller's constants, never input.
 */
export function keysetCondition(timeColumn: string, idColumn: string, after: KeysetPosition): { readonly sql: string; readonly params: SqlParams } {
  return {
    sql: `${timeColumn} < {afterAt} OR (${timeColumn} = {afterAt} AND ${idColumn} < {afterId})`,
    params: { afterAt: after.at, afterId: after.id },
  };
}

export interface Connection<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** The connection of up to `limit` rows out of the `limit + 1` fetched. */
export function toConnection<T>(rows: readonly T[], limit: number, positionOf: (row: T) => KeysetPosition): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({ cursor: encodeKeysetCursor(positionOf(node)), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** A table read newest first by (timeColumn DESC, idColumn DESC), in keyset pages. */
export interface KeysetTable<T> {
  readonly table: string;
  readonly columns: string;
  readonly timeColumn: string;
  readonly idColumn: string;
  readonly toNode: (row: Row) => T;
}

/** One page (limit + 1 rows, so the caller knows whether there is a next one) of `t` under `conds`. */
export async function keysetQuery<T>(wh: Warehouse, t: KeysetTable<T>, conds: SqlConditions, page: KeysetPage): Promise<T[]> {
  if (page.after) {
    const k = keysetCondition(t.timeColumn, t.idColumn, page.after);
    conds.add(k.sql, k.params);
  }
  const rows = await wh.query(
    `SELECT ${t.columns} FROM ${t.table}${conds.where()} ORDER BY ${t.timeColumn} DESC, ${t.idColumn} DESC LIMIT {limit}`,
    conds.params({ limit: page.limit + 1 }),
  );
  return rows.map(t.toNode);
}

/** count() of `table` under `conds`. */
export async function countWhere(wh: Warehouse, table: string, conds: SqlConditions): Promise<number> {
  const [row] = await wh.query(`SELECT count() AS n FROM ${table}${conds.where()}`, conds.params());
  return num(row?.['n']);
}
