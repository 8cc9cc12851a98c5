/**
 * The payments subgraph's gold-mart fields (schema/subgraphs/payments.graphql, gold*): revenue per
 * day and method, fraud rate per region-day, seed 001's 10-minute windows and hourly platform
 * summary, read from the published `mart_*` tables.
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { dateRange, dbToEnum, enumToDb, martPage, martTable, num, numOrNull, str, strOrNull, type MartPage, type MartPageArgs } from '../common/index.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_METHODS, type PaymentMethod } from './rows.ts';

interface MartArgs extends MartPageArgs {
  readonly from?: string | null;
  readonly to?: string | null;
}

const DEFAULT_DAYS = 7;
const WINDOW_MS = 600_000;

const range = (args: MartArgs, ctx: PaymentsContext) => dateRange(args.from, args.to, { now: ctx.now, defaultDays: DEFAULT_DAYS });
const method = (v: unknown): PaymentMethod | null => (v === null || v === undefined ? null : dbToEnum(str(v), PAYMENT_METHODS, 'payment method'));
const methodArg = (m: PaymentMethod | null | undefined): string | null => (m == null ? null : enumToDb(m));

export const paymentsMartFields = {
  goldRevenueByMethodDay: (_: unknown, args: MartArgs & { readonly method?: PaymentMethod | null }, ctx: PaymentsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.revenue_by_payment_method'), range: range(args, ctx), equals: { method: methodArg(args.method) } }, args, (r: Row) => ({
      date: str(r['metric_date']),
      method: method(r['method']),
      payments: num(r['payments']),
      completedPayments: num(r['completed_payments']),
      revenue: num(r['revenue']),
      refunded: num(r['refunded']),
    })),
  goldFraudByRegionDay: (_: unknown, args: MartArgs & { readonly regionId?: string | null }, ctx: PaymentsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.fraud_rate_region_daily'), range: range(args, ctx), equals: { region_id: args.regionId } }, args, (r: Row) => ({
      date: str(r['metric_date']),
      region: { id: str(r['region_id']) },
      regionName: strOrNull(r['region_name']),
      payments: num(r['payments']),
      fraudPayments: num(r['fraud_payments']),
      fraudRate: num(r['fraud_rate']),
      highValuePayments: num(r['high_value_payments']),
    })),
  goldPaymentWindows: (_: unknown, args: MartArgs & { readonly regionId?: string | null; readonly method?: PaymentMethod | null }, ctx: PaymentsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.payment_windows_10m'), range: range(args, ctx), equals: { region_id: args.regionId, method: methodArg(args.method) } }, args, (r: Row) => {
      const start = num(r['window_start']);
      const region = strOrNull(r['region_id']);
      return {
        date: str(r['metric_date']),
        windowStart: start,
        windowEnd: start + WINDOW_MS,
        region: region === null ? null : { id: region },
        method: method(r['method']),
        transactions: num(r['tx_count']),
        revenue: num(r['revenue']),
        averageValue: numOrNull(r['avg_value']),
        fraudRate: num(r['fraud_rate']),
        distinctUsers: num(r['distinct_users']),
      };
    }),
  goldPlatformHours: (_: unknown, args: MartArgs, ctx: PaymentsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.platform_hourly'), range: range(args, ctx) }, args, (r: Row) => ({
      date: str(r['metric_date']),
      hour: num(r['hour']),
      payments: num(r['payments']),
      revenue: num(r['revenue']),
      averageValue: numOrNull(r['avg_value']),
      cardPayments: num(r['card_payments']),
      cashPayments: num(r['cash_payments']),
      walletPayments: num(r['wallet_payments']),
      cryptoPayments: num(r['crypto_payments']),
      fraudRate: num(r['fraud_rate']),
      highValueRate: num(r['high_value_rate']),
      distinctUsers: num(r['distinct_users']),
    })),
};
