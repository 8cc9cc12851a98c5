/**
 * How the gateway suite's cost grows with the page size (issue 11 §5): the same BI query with
 * `first: 5 / 20 / 80` trips (so 5 / 20 / 80 entities fetched from the payments subgraph per
 * request) through the gateway with the JS planner and with the Rust planner, and its trips-only
 * part straight to the trips subgraph (the floor). Sizes and targets alternate (A B C per size,
 * two rounds), the figure per point is the mean of the two rounds (the median of two).
 */
import { gqlData, type GqlAuth } from '../support/gql.ts';
import { graphqlBody, runLoad, UNIQUE_INSTANT, type LoadResult } from '../support/load.ts';
import { ms, sig } from '../support/stats.ts';
import type { Growth, ResultRow, SuiteContext } from '../support/types.ts';

export const GROWTH_PAGE_SIZES = [5, 20, 80] as const;

const TRIP_FIELDS = 'id status fare currency requestedAt region { id name city }';

export function biQuery(first: number): string {
  return `query BiTripsWithPayments($before: DateTime!) { trips(first: ${first}, filter: { status: COMPLETED, to: $before }) { totalCount edges { node { ${TRIP_FIELDS} payments { id amount status fraud { riskLevel score } } } } } }`;
}

export function tripsOnlyQuery(first: number): string {
  return `query BiTrips($before: DateTime!) { trips(first: ${first}, filter: { status: COMPLETED, to: $before }) { totalCount edges { node { ${TRIP_FIELDS} } } } }`;
}

export interface GrowthTarget {
  readonly name: string;
  readonly url: string;
  readonly auth: GqlAuth;
  readonly query: (first: number) => string;
}

interface Page {
  readonly trips: { readonly edges: readonly unknown[] };
}

export interface GatewayGrowth {
  readonly growth: Growth[];
  readonly rows: ResultRow[];
  readonly notes: string[];
}

export async function measureGatewayGrowth(ctx: SuiteContext, targets: readonly GrowthTarget[], connections: number): Promise<GatewayGrowth> {
  const durationS = ctx.quick ? 1 : 4;
  const warmupS = 1;
  const rounds = 2;
  // every target answers each size with that many trips, the planners with the same JSON
  for (const first of GROWTH_PAGE_SIZES) {
    const answers = await Promise.all(targets.map((t) => gqlData<Page>(t.url, t.query(first), { before: '2999-01-01T00:00:00.000Z' }, t.auth)));
    answers.forEach((a, i) => {
      if (a.trips.edges.length !== first) throw new Error(`${targets[i]?.name}: first: ${first} returned ${a.trips.edges.length} trips`);
    });
  }
  const runs = new Map<string, LoadResult[]>();
  const key = (t: GrowthTarget, first: number): string => `${t.name}@${first}`;
  for (let round = 1; round <= rounds; round++) {
    for (const first of GROWTH_PAGE_SIZES) {
      for (const t of targets) {
        ctx.print(`  growth: ${t.name}, first: ${first}, round ${round} (${connections} connections, ${warmupS} s warm-up + ${durationS} s)`);
        const r = await runLoad({ url: t.url, body: graphqlBody(t.query(first), { before: UNIQUE_INSTANT }), connections, durationS, warmupS, ...t.auth });
        runs.set(key(t, first), [...(runs.get(key(t, first)) ?? []), r]);
      }
    }
  }
  const avg = (t: GrowthTarget, first: number, f: (r: LoadResult) => number): number => {
    // a round with no answers (a percentile of nothing) is left out rather than making the point NaN
    const vs = (runs.get(key(t, first)) ?? []).map(f).filter(Number.isFinite);
    return vs.length === 0 ? Number.NaN : vs.reduce((s, v) => s + v, 0) / vs.length;
  };
  const series = (f: (r: LoadResult) => number): Growth['series'] => targets.map((t) => ({ name: t.name, points: GROWTH_PAGE_SIZES.map((first) => ({ x: first, y: avg(t, first, f) })) }));
  const rows: ResultRow[] = targets.flatMap((t) =>
    GROWTH_PAGE_SIZES.map((first) => ({
      target: t.name,
      query: `first: ${first}`,
      requests: 'distinct',
      'req/s': sig(avg(t, first, (r) => r.requestsPerSecond)),
      'p50 ms': ms(avg(t, first, (r) => r.latencyMs.p50)),
      'p90 ms': ms(avg(t, first, (r) => r.latencyMs.p90)),
      'p99 ms': ms(avg(t, first, (r) => r.latencyMs.p99)),
      answered: (runs.get(key(t, first)) ?? []).reduce((s, r) => s + r.requests, 0),
      failed: (runs.get(key(t, first)) ?? []).reduce((s, r) => s + r.errors + r.timeouts + r.non2xx + r.mismatches, 0),
    })),
  );
  return {
    rows,
    growth: [
      { id: 'p50-by-page-size', title: 'BI query: median latency by page size', xLabel: 'trips per page (payments entities fetched per request)', yLabel: `p50 ms at ${connections} connections`, logX: true, series: series((r) => r.latencyMs.p50) },
      { id: 'throughput-by-page-size', title: 'BI query: requests per second by page size', xLabel: 'trips per page (payments entities fetched per request)', yLabel: `req/s at ${connections} connections`, logX: true, series: series((r) => r.requestsPerSecond) },
    ],
    notes: [
      `growth: first: ${GROWTH_PAGE_SIZES.join(' / ')} trips per page, ${connections} connections, ${warmupS} s warm-up + ${durationS} s per point, sizes and targets alternating, ${rounds} rounds; each "first: n" row is the mean of the rounds (req/s, p50, p90, p99) and the sum of their answers. Checked first: every target returns n trips for first: n.`,
    ],
  };
}
