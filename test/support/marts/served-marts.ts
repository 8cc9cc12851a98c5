/**
 * Every gold* field of the trips and payments subgraphs, paged through with a small `first`, against
 * the gold Delta table recounted for the same day: the same rows, in the mart's key order, with the
 * same figures (floats to 1e-9 relative: the warehouse engines print doubles their own way).
 */
import assert from 'node:assert/strict';
import type { GoldWorld } from './gold-world.ts';

type Node = Record<string, unknown>;
type GoldRow = Record<string, unknown>;

interface MartField {
  readonly field: string;
  readonly subgraph: 'trips' | 'payments';
  readonly model: string;
  readonly selection: string;
  /** The gold row as the field's node (the selection's shape). */
  readonly expect: (g: GoldRow) => Node;
  /** Sort keys of a gold row, in the mart's order. */
  readonly keys: (g: GoldRow) => readonly (string | number)[];
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const up = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).toUpperCase());

export const MART_FIELDS: readonly MartField[] = [
  {
    field: 'goldTripsByRegionHour', subgraph: 'trips', model: 'gold.trips_region_hourly',
    selection: 'date region { id } regionName hour trips completedTrips cancelledTrips revenue averageFare',
    expect: (g) => ({ date: g['metric_date'], region: { id: g['region_id'] }, regionName: s(g['region_name']), hour: n(g['hour']), trips: n(g['trips']), completedTrips: n(g['completed_trips']), cancelledTrips: n(g['cancelled_trips']), revenue: n(g['revenue']), averageFare: n(g['avg_fare']) }),
    keys: (g) => [String(g['region_id']), Number(g['hour'])],
  },
  {
    field: 'goldRevenueByRegionDay', subgraph: 'trips', model: 'gold.revenue_daily',
    selection: 'date region { id } regionName trips completedTrips cancelledTrips revenue averageFare',
    expect: (g) => ({ date: g['metric_date'], region: { id: g['region_id'] }, regionName: s(g['region_name']), trips: n(g['trips']), completedTrips: n(g['completed_trips']), cancelledTrips: n(g['cancelled_trips']), revenue: n(g['revenue']), averageFare: n(g['avg_fare']) }),
    keys: (g) => [String(g['region_id'])],
  },
  {
    field: 'goldDriverDays', subgraph: 'trips', model: 'gold.driver_daily_stats',
    selection: 'date driver { id } tripsCompleted revenue distanceKm ratings averageRating',
    expect: (g) => ({ date: g['metric_date'], driver: { id: g['driver_id'] }, tripsCompleted: n(g['trips_completed']), revenue: n(g['revenue']), distanceKm: n(g['distance_km']), ratings: n(g['ratings']), averageRating: n(g['avg_rating']) }),
    keys: (g) => [String(g['driver_id'])],
  },
  {
    field: 'goldRevenueByMethodDay', subgraph: 'payments', model: 'gold.revenue_by_payment_method',
    selection: 'date method payments completedPayments revenue refunded',
    expect: (g) => ({ date: g['metric_date'], method: up(g['method']), payments: n(g['payments']), completedPayments: n(g['completed_payments']), revenue: n(g['revenue']), refunded: n(g['refunded']) }),
    keys: (g) => [String(g['method'] ?? '')],
  },
  {
    field: 'goldFraudByRegionDay', subgraph: 'payments', model: 'gold.fraud_rate_region_daily',
    selection: 'date region { id } regionName payments fraudPayments fraudRate highValuePayments',
    expect: (g) => ({ date: g['metric_date'], region: { id: g['region_id'] }, regionName: s(g['region_name']), payments: n(g['payments']), fraudPayments: n(g['fraud_payments']), fraudRate: n(g['fraud_rate']), highValuePayments: n(g['high_value_payments']) }),
    keys: (g) => [String(g['region_id'])],
  },
  {
    field: 'goldPaymentWindows', subgraph: 'payments', model: 'gold.payment_windows_10m',
    selection: 'date windowStart windowEnd region { id } method transactions revenue averageValue fraudRate distinctUsers',
    expect: (g) => {
      const start = Number(g['window_start']);
      return {
        date: g['metric_date'], windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 600_000).toISOString(),
        region: g['region_id'] == null ? null : { id: g['region_id'] }, method: up(g['method']), transactions: n(g['tx_count']), revenue: n(g['revenue']),
        averageValue: n(g['avg_value']), fraudRate: n(g['fraud_rate']), distinctUsers: n(g['distinct_users']),
      };
    },
    keys: (g) => [Number(g['window_start']), String(g['region_id'] ?? ''), String(g['method'] ?? '')],
  },
  {
    field: 'goldPlatformHours', subgraph: 'payments', model: 'gold.platform_hourly',
    selection: 'date hour payments revenue averageValue cardPayments cashPayments walletPayments cryptoPayments fraudRate highValueRate distinctUsers',
    expect: (g) => ({
      date: g['metric_date'], hour: n(g['hour']), payments: n(g['payments']), revenue: n(g['revenue']), averageValue: n(g['avg_value']),
      cardPayments: n(g['card_payments']), cashPayments: n(g['cash_payments']), walletPayments: n(g['wallet_payments']), cryptoPayments: n(g['crypto_payments']),
      fraudRate: n(g['fraud_rate']), highValueRate: n(g['high_value_rate']), distinctUsers: n(g['distinct_users']),
    }),
    keys: (g) => [Number(g['hour'])],
  },
];

export interface GqlResult {
  readonly data?: Record<string, { nodes: Node[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
}

export async function post(url: string, query: string, variables: Record<string, unknown>): Promise<GqlResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GqlResult;
}

export function fieldQuery(f: MartField, extraArgs = ''): string {
  const extra = extraArgs === '' ? '' : `, ${extraArgs}`;
  return `query($from: String, $to: String, $first: Int, $after: String) { ${f.field}(from: $from, to: $to, first: $first, after: $after${extra}) { nodes { ${f.selection} } pageInfo { hasNextPage endCursor } } }`;
}

/** Every node of `f` for the variables, page by page (`first` rows a page). */
export async function allPages(url: string, f: MartField, vars: Record<string, unknown>, first: number, extraArgs = ''): Promise<{ nodes: Node[]; pages: number }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const r = await post(url, fieldQuery(f, extraArgs), { ...vars, first, after });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const page = r.data?.[f.field];
    assert.ok(page);
    pages++;
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
    assert.ok(pages < 10_000);
  }
  return { nodes, pages };
}

function cmpKeys(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function close(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number' && !Number.isInteger(expected)) {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${path}: ${actual} != ${expected}`);
    return;
  }
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), path);
    for (const k of Object.keys(e)) close(a[k], e[k], `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}

/** The gold rows of `f` for `day` as expected nodes, in the mart's order. */
export async function expectedNodes(w: GoldWorld, f: MartField, day: string): Promise<Node[]> {
  const gold = await w.gold(f.model, day);
  return [...gold].sort((a, b) => cmpKeys(f.keys(a), f.keys(b))).map(f.expect);
}

export function assertSameNodes(actual: readonly Node[], expected: readonly Node[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: row count`);
  expected.forEach((e, i) => close(actual[i], e, `${what}[${i}]`));
}
