/**
 * Keyset pagination in `time DESC, id DESC` order: the page arguments (`first`, `after`), the SQL
 * condition for "after this cursor", and the Relay-style connection built from `limit + 1` rows.
 */
import type { SqlParams } from '../../connectors/contracts/warehouse.ts';
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
