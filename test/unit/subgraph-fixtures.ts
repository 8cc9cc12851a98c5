/**
 * Shared fixtures of the subgraph tests: a real DuckDB warehouse (in memory) filled with a small,
 * deterministic data set, a wrapper that records every SQL statement, and GraphQL-over-HTTP helpers.
 */
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import type { Row, SqlParams, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { WAREHOUSE_TABLES, hourStart, utcDate } from '../../schema/tables/warehouse-tables.ts';

export const silent: Logger = pino({ level: 'silent' });

/** 2024-05-01T00:00:00Z, a Wednesday. */
export const T0 = Date.UTC(2024, 4, 1);
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const FIXTURE_REGIONS = ['msk-center', 'kzn', 'spb-center'] as const;

export interface TripFixture {
  readonly id: string;
  readonly regionId: string;
  readonly riderId: string;
  readonly driverId: string | null;
  readonly status: 'requested' | 'accepted' | 'started' | 'completed' | 'cancelled';
  readonly fare: number | null;
  readonly requestedAt: number;
}

/**
 * 40 trips, one every 75 minutes from T0 (so over three UTC days), except t11 which shares t10's
 * requested_at (keyset tie broken by id). i % 10: 0-5 completed, 6-7 cancelled, 8 started, 9 requested.
 */
export const TRIPS: readonly TripFixture[] = Array.from({ length: 40 }, (_, i) => {
  const kind = i % 10;
  const status = kind <= 5 ? 'completed' : kind <= 7 ? 'cancelled' : kind === 8 ? 'started' : 'requested';
  return {
    id: `t${String(i).padStart(2, '0')}`,
    regionId: FIXTURE_REGIONS[i % 3]!,
    riderId: `r${(i % 7) + 1}`,
    driverId: status === 'requested' ? null : `d${(i % 5) + 1}`,
    status,
    fare: status === 'completed' ? 100 + i * 10 : null,
    requestedAt: T0 + (i === 11 ? 10 : i) * 75 * MIN,
  };
});

export const DRIVERS = [
  { id: 'd1', name: 'Ivan', regionId: 'msk-center', status: 'online' },
  { id: 'd2', name: 'Olga', regionId: 'kzn', status: 'busy' },
  { id: 'd3', name: 'Petr', regionId: 'spb-center', status: 'offline' },
  { id: 'd4', name: 'Anna', regionId: 'msk-center', status: 'online' },
  // d5 drives but has no driver record yet (name null)
] as const;

/** Ratings: d1 gets 5, 4; d2 gets 3; d4 gets 5, 5, 4. */
export const RATINGS = [
  { booking: 't00', driver: 'd1', rating: 5 }, { booking: 't05', driver: 'd1', rating: 4 },
  { booking: 't01', driver: 'd2', rating: 3 },
  { booking: 't03', driver: 'd4', rating: 5 }, { booking: 't13', driver: 'd4', rating: 5 }, { booking: 't23', driver: 'd4', rating: 4 },
] as const;

export interface PaymentFixture {
  readonly id: string;
  readonly tripId: string;
  readonly userId: string;
  readonly regionId: string;
  readonly amount: number;
  readonly method: 'card' | 'cash' | 'wallet' | 'crypto';
  readonly status: 'initiated' | 'completed' | 'failed' | 'refunded';
  readonly refunded: number;
  readonly riskLevel: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'MINIMAL';
  readonly score: number;
  readonly reasons: string;
  readonly initiatedAt: number;
}

const METHODS = ['card', 'cash', 'wallet', 'crypto'] as const;
const LEVELS = ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/**
 * One completed payment per completed trip (t12's is refunded by 50), plus a failed attempt before
 * it for trips whose index is a multiple of 6. Started trips have an initiated payment.
 */
export const PAYMENTS: readonly PaymentFixture[] = TRIPS.flatMap((t, i): PaymentFixture[] => {
  const base = { tripId: t.id, userId: t.riderId, regionId: t.regionId, initiatedAt: t.requestedAt + 30 * MIN };
  const level = LEVELS[i % 5]!;
  const fraud = { riskLevel: level, score: (i % 5) / 4, reasons: level === 'MINIMAL' ? '' : 'crypto,late_night' };
  const out: PaymentFixture[] = [];
  if (t.status === 'completed') {
    if (i % 6 === 0) out.push({ ...base, ...fraud, id: `p${t.id}a`, amount: t.fare!, method: 'card', status: 'failed', refunded: 0, initiatedAt: base.initiatedAt - MIN });
    out.push({ ...base, ...fraud, id: `p${t.id}b`, amount: t.fare!, method: METHODS[i % 4]!, status: i === 12 ? 'refunded' : 'completed', refunded: i === 12 ? 50 : 0 });
  } else if (t.status === 'started') {
    out.push({ ...base, ...fraud, id: `p${t.id}b`, amount: 500, method: 'wallet', status: 'initiated', refunded: 0 });
  }
  return out;
});

export function tripRow(t: TripFixture): Row {
  return {
    trip_id: t.id, region_id: t.regionId, rider_id: t.riderId, driver_id: t.driverId, status: t.status,
    fare: t.fare, currency: 'RUB', surge_multiplier: 1.2, distance_km: 5.5, duration_s: t.status === 'completed' ? 900 : null,
    weather: 'clear', requested_at: t.requestedAt,
    accepted_at: t.driverId ? t.requestedAt + MIN : null, started_at: null,
    completed_at: t.status === 'completed' ? t.requestedAt + 20 * MIN : null,
    cancelled_at: t.status === 'cancelled' ? t.requestedAt + 2 * MIN : null,
    cancelled_by: t.status === 'cancelled' ? 'rider' : null, cancel_reason: t.status === 'cancelled' ? 'changed plans' : null,
    requested_hour: hourStart(t.requestedAt), trip_date: utcDate(t.requestedAt), version: 1,
  };
}

export function paymentRow(p: PaymentFixture): Row {
  return {
    payment_id: p.id, trip_id: p.tripId, user_id: p.userId, region_id: p.regionId, amount: p.amount, currency: 'RUB',
    method: p.method, status: p.status, failure_reason: p.status === 'failed' ? 'card declined' : null,
    refunded_amount: p.refunded, fraud_score: p.score, risk_level: p.riskLevel, fraud_reasons: p.reasons,
    initiated_at: p.initiatedAt, updated_at: p.initiatedAt + MIN, payment_hour: hourStart(p.initiatedAt),
    payment_date: utcDate(p.initiatedAt), version: 1,
  };
}

/** An in-memory DuckDB warehouse with every contract table, filled with the fixtures. */
export async function fixtureWarehouse(): Promise<Warehouse> {
  const wh = createDuckDbWarehouse({ path: ':memory:' }, { logger: silent, metrics: new Registry() });
  await wh.start();
  await wh.ensureTables(WAREHOUSE_TABLES);
  const must = async (table: string, rows: Row[]): Promise<void> => {
    const r = await wh.insert(table, rows);
    if (r.rejected.length > 0) throw new Error(`fixture rows rejected in ${table}: ${r.rejected[0]?.reason}`);
  };
  await must('trips', TRIPS.map(tripRow));
  await must('payments', PAYMENTS.map(paymentRow));
  await must('drivers', DRIVERS.map((d) => ({ driver_id: d.id, name: d.name, region_id: d.regionId, status: d.status, updated_at: T0, version: 1 })));
  await must('driver_ratings', RATINGS.map((r) => ({
    booking_id: r.booking, driver_id: r.driver, rider_id: 'r1', rating: r.rating, rated_at: T0 + HOUR, rated_date: utcDate(T0 + HOUR), version: 1,
  })));
  return wh;
}

export interface RecordedQuery {
  readonly sql: string;
  readonly params: SqlParams | undefined;
}

/** A Warehouse that records every `query` call (a Proxy over the real one). */
export function recording(wh: Warehouse): { readonly warehouse: Warehouse; readonly queries: RecordedQuery[] } {
  const queries: RecordedQuery[] = [];
  const warehouse = new Proxy(wh, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (sql: string, params?: SqlParams) => {
          queries.push({ sql, params });
          return target.query(sql, params);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { warehouse, queries };
}

export interface GraphQLResponse {
  readonly status: number;
  readonly body: {
    readonly data?: Record<string, unknown> | null;
    readonly errors?: readonly { readonly message: string; readonly path?: readonly (string | number)[]; readonly extensions?: Record<string, unknown> }[];
  };
}

export async function gql(url: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as GraphQLResponse['body'] };
}

/** `data` of a response that must have no errors. */
export async function gqlData<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await gql(url, query, variables);
  if (r.body.errors || r.status !== 200) throw new Error(`GraphQL errors (${r.status}): ${JSON.stringify(r.body.errors)}`);
  return r.body.data as T;
}
