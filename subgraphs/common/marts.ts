/**
 * Reading the published gold marts (`mart_*`, schema/lake/gold-marts.ts) for the BI fields of the
 * trips and payments subgraphs: a date range on `metric_date` (YYYY-MM-DD, both ends inclusive),
 * equality filters, and keyset pages in the mart's grain order (GoldMart.grain, which starts
 * with metric_date), through Warehouse.query in the portable SQL of
 * connectors/contracts/warehouse.ts: `{name}` parameters only, no tuple comparison (ClickHouse
 * 18.16), the cursor condition spelled out as an OR of prefixes.
 */
import type { Row, SqlValue, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { GOLD_MARTS, type GoldMart } from '../../schema/lake/gold-marts.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import { decodeCursor, encodeCursor, type CursorKind, type CursorPart } from './cursor.ts';
import { badUserInput } from './errors.ts';
import { SqlConditions, num, str } from './sql.ts';
import { pageSize } from './validation.ts';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Largest page of a mart field, and its default. */
export const MART_PAGE = { defaultSize: 100, max: 1000 } as const;
/** Longest date range of a mart field, in days (both ends included). */
export const MART_MAX_DAYS = 366;

/** The mart (warehouse table and grain) fed by gold model `model` (e.g. 'gold.revenue_daily'). */
export function martTable(model: string): GoldMart {
  const m = GOLD_MARTS.find((g) => g.model === model);
  if (!m) throw new Error(`no mart is published from ${model}`);
  return m;
}

function parseDate(value: string, argName: string): number {
  const ms = DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw badUserInput(`"${argName}" must be a date written YYYY-MM-DD, got ${JSON.stringify(value)}`, { argument: argName });
  }
  return ms;
}

export interface DateRange {
  /** First day, YYYY-MM-DD (inclusive). */
  readonly from: string;
  /** Last day, YYYY-MM-DD (inclusive). */
  readonly to: string;
}

/**
 * [from, to] from optional YYYY-MM-DD arguments: `to` defaults to today (UTC) and `from` to
 * `defaultDays - 1` days before `to`; from <= to and at most MART_MAX_DAYS days.
 */
export function dateRange(from: string | null | undefined, to: string | null | undefined, o: { now: () => number; defaultDays: number }): DateRange {
  const end = to == null ? Math.floor(o.now() / DAY_MS) * DAY_MS : parseDate(to, 'to');
  const start = from == null ? end - (o.defaultDays - 1) * DAY_MS : parseDate(from, 'from');
  if (start > end) throw badUserInput(`date range is empty: "from" must be on or before "to"`, { argument: 'from' });
  if ((end - start) / DAY_MS + 1 > MART_MAX_DAYS) {
    throw badUserInput(`date range is too long: at most ${MART_MAX_DAYS} days from "from" to "to"`, { argument: 'to', maxDays: MART_MAX_DAYS });
  }
  const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(start), to: iso(end) };
}

export interface MartPageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface MartQuery {
  readonly mart: GoldMart;
  readonly range: DateRange;
  /** column = value conditions; a null or undefined value adds none. Column names are the caller's constants. */
  readonly equals?: Readonly<Record<string, string | null | undefined>>;
}

export interface MartPage<T> {
  readonly nodes: readonly T[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

const kindOf = (t: TableContract, col: string): CursorKind => {
  const type = t.columns.find((c) => c.name === col)?.type;
  return type === 'int64' || type === 'float64' ? 'number' : 'string';
};

/** `(k1 > a1) OR (k1 = a1 AND k2 > a2) OR ...`: rows strictly after the cursor in key order (a nullable key compares as ''). */
function afterCondition(t: TableContract, keys: readonly string[], values: readonly CursorPart[]): { sql: string; params: Record<string, SqlValue> } {
  const params: Record<string, SqlValue> = {};
  const ors: string[] = [];
  keys.forEach((k, i) => {
    params[`after${i}`] = values[i] ?? null;
    const eq = keys.slice(0, i).map((p, j) => `${keyExpr(t, p)} = {after${j}}`);
    ors.push([...eq, `${keyExpr(t, k)} > {after${i}}`].join(' AND '));
  });
  return { sql: ors.map((o) => `(${o})`).join(' OR '), params };
}

/** A nullable (string) grain column (method, region_id of the window mart) orders and compares as '' for NULL on both engines. */
function keyExpr(t: TableContract, col: string): string {
  return t.columns.find((c) => c.name === col)?.nullable ? `coalesce(${col}, '')` : col;
}

/** One page of mart rows (limit + 1 fetched to know whether another follows), in the table's key order. */
export async function martPage<T>(wh: Warehouse, q: MartQuery, args: MartPageArgs, toNode: (r: Row) => T): Promise<MartPage<T>> {
  const t = q.mart.table;
  const limit = pageSize(args.first, MART_PAGE);
  const keys = q.mart.grain;
  const kinds = keys.map((k) => kindOf(t, k));
  const conds = new SqlConditions().add('metric_date >= {fromDate} AND metric_date <= {toDate}', { fromDate: q.range.from, toDate: q.range.to });
  for (const [col, value] of Object.entries(q.equals ?? {})) conds.addIf(value, `${col} = {eq_${col}}`, `eq_${col}`);
  const order = keys.map((k) => keyExpr(t, k)).join(', ');
  if (args.after != null) {
    const a = afterCondition(t, keys, decodeCursor(args.after, kinds));
    conds.add(a.sql, a.params);
  }
  const columns = t.columns.map((c) => c.name).join(', ');
  const rows = await wh.query(`SELECT ${columns} FROM ${t.name}${conds.where()} ORDER BY ${order} LIMIT {limit}`, conds.params({ limit: limit + 1 }));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const endCursor = last ? encodeCursor(keys.map((k, i) => (kinds[i] === 'number' ? num(last[k]) : str(last[k])))) : null;
  return { nodes: page.map(toNode), pageInfo: { hasNextPage: rows.length > limit, endCursor } };
}
