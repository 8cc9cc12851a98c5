/** What the gateway serves, read over GraphQL: every figure the recount checks, as plain maps. */
import { gql } from '../../e2e/support.ts';

async function data<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await gql<T>(url, query, variables);
  if (r.body.errors?.length || !r.body.data) throw new Error(`GraphQL errors for ${query.slice(0, 80)}...: ${JSON.stringify(r.body.errors ?? r.body)}`);
  return r.body.data;
}

interface Connection<N> {
  totalCount: number;
  edges: { node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function allPages<N>(url: string, field: string, selection: string): Promise<{ totalCount: number; nodes: N[] }> {
  const nodes: N[] = [];
  let after: string | null = null;
  let totalCount = 0;
  for (let page = 0; page < 1000; page++) {
    const d: Record<string, Connection<N>> = await data(url, `query($after: String) { ${field}(first: 500, after: $after) { totalCount edges { node { ${selection} } } pageInfo { hasNextPage endCursor } } }`, { after });
    const c = d[field];
    if (!c) throw new Error(`no ${field} in the response`);
    totalCount = c.totalCount;
    nodes.push(...c.edges.map((e) => e.node));
    if (!c.pageInfo.hasNextPage) break;
    after = c.pageInfo.endCursor;
  }
  return { totalCount, nodes };
}

export interface ServedTrip {
  id: string;
  status: string;
  region: { id: string };
  driver: { id: string } | null;
  rider: { id: string } | null;
  fare: number | null;
  requestedAt: string;
  completedAt: string | null;
  cancelledAt: string | null;
}

export const servedTrips = (url: string): Promise<{ totalCount: number; nodes: ServedTrip[] }> =>
  allPages<ServedTrip>(url, 'trips', 'id status region { id } driver { id } rider { id } fare requestedAt completedAt cancelledAt');

export interface ServedPayment {
  id: string;
  status: string;
  userId: string;
  region: { id: string };
  amount: number;
  refundedAmount: number;
  initiatedAt: string;
  fraud: { score: number; riskLevel: string; reasons: string[] };
}

export const servedPayments = (url: string): Promise<{ totalCount: number; nodes: ServedPayment[] }> =>
  allPages<ServedPayment>(url, 'payments', 'id status userId region { id } amount refundedAmount initiatedAt fraud { score riskLevel reasons }');

export interface ServedBucket {
  bucketStart: string;
  region: { id: string };
  trips: number;
  completed: number;
  cancelled: number;
  cancellationRate: number;
  revenue: number;
  averageFare: number | null;
}

export async function servedTripStats(url: string, granularity: 'HOUR' | 'DAY', from: string, to: string): Promise<ServedBucket[]> {
  const d = await data<{ tripStats: ServedBucket[] }>(url, 'query($g: Granularity!, $from: DateTime, $to: DateTime) { tripStats(granularity: $g, from: $from, to: $to) { bucketStart region { id } trips completed cancelled cancellationRate revenue averageFare } }', { g: granularity, from, to });
  return d.tripStats;
}

export interface ServedDriver {
  id: string;
  name: string | null;
  status: string | null;
  region: { id: string } | null;
  stats: { tripsCompleted: number; revenue: number; averageRating: number | null; ratingCount: number };
}

const DRIVER_FIELDS = 'id name status region { id } stats { tripsCompleted revenue averageRating ratingCount }';

export interface ServedRegionDrivers {
  readonly regionId: string;
  readonly drivers: ServedDriver[];
  readonly byTrips: ServedDriver[];
  readonly byRating: ServedDriver[];
}

/** Every region's drivers and its driverStats in both orders (each at most 500 per region). */
export async function servedDrivers(url: string, regionIds: readonly string[]): Promise<ServedRegionDrivers[]> {
  const out: ServedRegionDrivers[] = [];
  for (const regionId of regionIds) {
    const d = await data<{ drivers: ServedDriver[]; byTrips: ServedDriver[]; byRating: ServedDriver[] }>(
      url,
      `query($r: ID) { drivers(regionId: $r, first: 500) { ${DRIVER_FIELDS} } byTrips: driverStats(regionId: $r, first: 500, orderBy: TRIPS_COMPLETED) { ${DRIVER_FIELDS} } byRating: driverStats(regionId: $r, first: 500, orderBy: AVERAGE_RATING) { ${DRIVER_FIELDS} } }`,
      { r: regionId },
    );
    out.push({ regionId, ...d });
  }
  return out;
}

/** Stays below the gateway's alias limit (gateway query limits). */
const ALIASES_PER_REQUEST = 25;

/** `driver(id)` for each id (aliased, in chunks), e.g. the drivers beyond a region's first 500. */
export async function servedDriversById(url: string, ids: readonly string[]): Promise<ServedDriver[]> {
  const out: ServedDriver[] = [];
  for (let i = 0; i < ids.length; i += ALIASES_PER_REQUEST) {
    const chunk = ids.slice(i, i + ALIASES_PER_REQUEST);
    const d = await data<Record<string, ServedDriver | null>>(url, `{ ${chunk.map((id, j) => `d${j}: driver(id: ${JSON.stringify(id)}) { ${DRIVER_FIELDS} }`).join(' ')} }`);
    for (const v of Object.values(d)) if (v && v.status !== null) out.push(v);
  }
  return out;
}

export interface ServedRevenueDay {
  date: string;
  region: { id: string } | null;
  revenue: number;
  payments: number;
  completed: number;
  failed: number;
  refunded: number;
}

export interface ServedRiskLevel {
  riskLevel: string;
  payments: number;
  amount: number;
}

export async function servedRevenueAndFraud(url: string, from: string, to: string): Promise<{ perDay: ServedRevenueDay[]; perDayRegion: ServedRevenueDay[]; fraud: ServedRiskLevel[] }> {
  const sel = 'date region { id } revenue payments completed failed refunded';
  return data(url, `query($from: DateTime, $to: DateTime) { perDay: revenuePerDay(from: $from, to: $to) { ${sel} } perDayRegion: revenuePerDay(from: $from, to: $to, byRegion: true) { ${sel} } fraud: fraudSummary(from: $from, to: $to) { riskLevel payments amount } }`, { from, to });
}

export interface ServedWindow {
  regionId?: string | null;
  windowMinutes: number;
  windowStart: string;
  tripCount: number;
  completedCount: number;
  cancelledCount: number;
  cancellationRate: number;
  averagePrice: number | null;
  revenue: number;
  isFinal: boolean;
}

const WINDOW_FIELDS = 'windowMinutes windowStart tripCount completedCount cancelledCount cancellationRate averagePrice revenue isFinal';
export const WINDOW_SELECTION = `regionId ${WINDOW_FIELDS}`;

/** Every region's and the platform's windows of each size (up to 1000 each, one request each). */
export async function servedWindows(url: string, regionIds: readonly string[], sizes: readonly number[]): Promise<ServedWindow[]> {
  const out: ServedWindow[] = [];
  for (const m of sizes) {
    for (const regionId of regionIds) {
      const d = await data<{ regionWindows: ServedWindow[] }>(url, `query($r: ID!, $m: Int) { regionWindows(regionId: $r, windowMinutes: $m, last: 1000) { regionId ${WINDOW_FIELDS} } }`, { r: regionId, m });
      out.push(...d.regionWindows);
    }
    const p = await data<{ platformWindows: ServedWindow[] }>(url, `query($m: Int) { platformWindows(windowMinutes: $m, last: 1000) { ${WINDOW_FIELDS} } }`, { m });
    out.push(...p.platformWindows.map((w) => ({ ...w, regionId: null })));
  }
  return out;
}

export interface ServedVector {
  id: string;
  values: { name: string; value: number | null }[];
}

/** onlineFeatures of `ids`, in chunks; null where the store has no vector. */
export async function servedFeatures(url: string, entity: 'DRIVER' | 'RIDER' | 'REGION', ids: readonly string[]): Promise<Map<string, ServedVector | null>> {
  const out = new Map<string, ServedVector | null>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const d = await data<{ onlineFeatures: (ServedVector | null)[] }>(url, 'query($e: FeatureEntity!, $ids: [ID!]!) { onlineFeatures(entity: $e, ids: $ids) { id values { name value } } }', { e: entity, ids: chunk });
    chunk.forEach((id, j) => out.set(id, d.onlineFeatures[j] ?? null));
  }
  return out;
}

export interface ServedJob {
  job: string;
  state: string;
  processed: number;
  deadLettered: number;
  updatedAt: string;
}

export async function servedJobs(url: string): Promise<ServedJob[]> {
  return (await data<{ jobs: ServedJob[] }>(url, '{ jobs { job state processed deadLettered updatedAt } }')).jobs;
}
