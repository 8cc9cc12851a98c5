/**
 * The payments subgraph's warehouse SQL, in the portable subset of connectors/contracts/warehouse.ts
 * (DuckDB and ClickHouse 18.16): `{name}` parameters, no engine functions, no JOIN.
 * Stored forms: status and method lower-case, risk_level as schema/fraud-rules.ts spells it (upper-case).
 */
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import type { RiskLevel } from '../../schema/fraud-rules.ts';
import { SqlConditions, countWhere, enumToDb, keysetQuery, num, str, type KeysetPage, type TimeRange } from '../common/index.ts';
import { PAYMENT_COLUMNS, toPayment, type PaymentMethod, type PaymentNode, type PaymentStatus } from './rows.ts';

export interface PaymentFilterArgs {
  readonly status?: PaymentStatus | null;
  readonly method?: PaymentMethod | null;
  readonly riskLevel?: RiskLevel | null;
  readonly regionId?: string | null;
  readonly userId?: string | null;
  readonly from?: number | null;
  readonly to?: number | null;
}

export function paymentConditions(f: PaymentFilterArgs): SqlConditions {
  return new SqlConditions()
    .addIf(f.status == null ? null : enumToDb(f.status), 'status = {status}', 'status')
    .addIf(f.method == null ? null : enumToDb(f.method), 'method = {method}', 'method')
    .addIf(f.riskLevel, 'risk_level = {riskLevel}', 'riskLevel')
    .addIf(f.regionId, 'region_id = {regionId}', 'regionId')
    .addIf(f.userId, 'user_id = {userId}', 'userId')
    .addIf(f.from, 'initiated_at >= {from}', 'from')
    .addIf(f.to, 'initiated_at < {to}', 'to');
}

const KEYSET = { table: 'payments', columns: PAYMENT_COLUMNS, timeColumn: 'initiated_at', idColumn: 'payment_id', toNode: toPayment } as const;

export function paymentPage(wh: Warehouse, f: PaymentFilterArgs, page: KeysetPage): Promise<PaymentNode[]> {
  return keysetQuery(wh, KEYSET, paymentConditions(f), page);
}

export function paymentCount(wh: Warehouse, f: PaymentFilterArgs): Promise<number> {
  return countWhere(wh, 'payments', paymentConditions(f));
}

export async function paymentsByIds(wh: Warehouse, ids: readonly string[]): Promise<PaymentNode[]> {
  const rows = await wh.query(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE payment_id IN ({ids})`, { ids });
  return rows.map(toPayment);
}

/** Every payment of the given trips, oldest first within a trip. */
export async function paymentsByTripIds(wh: Warehouse, tripIds: readonly string[]): Promise<PaymentNode[]> {
  const rows = await wh.query(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE trip_id IN ({ids}) ORDER BY trip_id, initiated_at, payment_id`,
    { ids: tripIds },
  );
  return rows.map(toPayment);
}

export interface RevenueDayRow {
  readonly date: string;
  readonly regionId: string | null;
  readonly revenue: number;
  readonly payments: number;
  readonly completed: number;
  readonly failed: number;
  readonly refunded: number;
}

const count = (status: string): string => `sum(CASE WHEN status = '${status}' THEN 1 ELSE 0 END)`;

/** Per payment_date (and region_id when `byRegion`), payments initiated in [from, to). */
export async function revenueDays(wh: Warehouse, range: TimeRange, regionId: string | null, byRegion: boolean): Promise<RevenueDayRow[]> {
  const conds = new SqlConditions()
    .add('initiated_at >= {from} AND initiated_at < {to}', { from: range.from, to: range.to })
    .addIf(regionId, 'region_id = {regionId}', 'regionId');
  const keys = byRegion ? 'payment_date, region_id' : 'payment_date';
  const rows = await wh.query(
    `SELECT ${keys}, count() AS payment_count, ${count('completed')} AS completed_count, ${count('failed')} AS failed_count, ` +
      `${count('refunded')} AS refunded_count, ` +
      `sum(CASE WHEN status IN ('completed', 'refunded') THEN amount - refunded_amount ELSE 0 END) AS revenue ` +
      `FROM payments${conds.where()} GROUP BY ${keys} ORDER BY ${keys}`,
    conds.params(),
  );
  return rows.map((r) => ({
    date: str(r['payment_date']),
    regionId: byRegion ? str(r['region_id']) : null,
    revenue: num(r['revenue']),
    payments: num(r['payment_count']),
    completed: num(r['completed_count']),
    failed: num(r['failed_count']),
    refunded: num(r['refunded_count']),
  }));
}

export interface RiskLevelRow {
  readonly riskLevel: string;
  readonly payments: number;
  readonly amount: number;
}

export async function riskLevelCounts(wh: Warehouse, range: TimeRange): Promise<RiskLevelRow[]> {
  const rows = await wh.query(
    'SELECT risk_level, count() AS payment_count, sum(amount) AS amount_sum FROM payments ' +
      'WHERE initiated_at >= {from} AND initiated_at < {to} GROUP BY risk_level',
    { from: range.from, to: range.to },
  );
  return rows.map((r) => ({ riskLevel: str(r['risk_level']), payments: num(r['payment_count']), amount: num(r['amount_sum']) }));
}
