/**
 * How the gateway suite's cost grows with the page size (issue 11 §5): the same BI query with
 * `first: 5 / 20 / 80` trips (so 5 / 20 / 80 entities fetched from the payments subgraph per
 * request) through the gateway with the JS planner and with the Rust planner, and its trips-only
 * part straight to the trips subgraph (the floor). Sizes and targets alternate (A B C per size,
 * two rounds); figures are medians over both rounds.
 */
import { gqlData, type GqlAuth } from '../support/gql.ts';
import { mean, ms, percentile, sig } from '../support/stats.ts';
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

/** One point: `count` requests one at a time (a lone caller), each with its own far-future instant. */
async function sample(t: GrowthTarget, first: number, count: number, offset: number): Promise<{ latencies: number[]; cpuMs: number }> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const before = new Date(Date.UTC(2999, 0, 1) + (offset + i) * 1000).toISOString();
    const t0 = performance.now();
    const page = await gqlData<Page>(t.url, t.query(first), { before }, t.auth);
    latencies.push(performance.now() - t0);
    if (page.trips.edges.length !== first) throw new Error(`${t.name}: first: ${first} returned ${page.trips.edges.length} trips`);
  }
  const cpu = process.cpuUsage(cpu0);
  return { latencies, cpuMs: (cpu.user + cpu.system) / 1000 / count };
}

/**
 * Requests one at a time rather than a fixed-duration load: on this shared machine a request can
 * take seconds, and a short load window then ends with no answer at all; a fixed count always gives
 * a point. CPU per request (the whole process: gateway, subgraphs, DuckDB, this client) is what a
 * request costs whatever share of the cores it got.
 */
export async function measureGatewayGrowth(ctx: SuiteContext, targets: readonly GrowthTarget[]): Promise<GatewayGrowth> {
  const count = ctx.quick ? 2 : 8;
  const rounds = 2;
  const lat = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const key = (t: GrowthTarget, first: number): string => `${t.name}@${first}`;
  let offset = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const first of GROWTH_PAGE_SIZES) {
      for (const t of targets) {
        ctx.print(`  growth: ${t.name}, first: ${first}, round ${round} (${count} requests one at a time, after one warm-up)`);
        await sample(t, first, 1, offset++);
        const r = await sample(t, first, count, offset);
        offset += count;
        lat.set(key(t, first), [...(lat.get(key(t, first)) ?? []), ...r.latencies]);
        cpu.set(key(t, first), [...(cpu.get(key(t, first)) ?? []), r.cpuMs]);
      }
    }
  }
  const p50 = (t: GrowthTarget, first: number): number => percentile(lat.get(key(t, first)) ?? [], 50);
  const cpuMs = (t: GrowthTarget, first: number): number => percentile(cpu.get(key(t, first)) ?? [], 50);
  const rows: ResultRow[] = targets.flatMap((t) =>
    GROWTH_PAGE_SIZES.map((first) => ({
      target: t.name,
      query: `first: ${first}`,
      requests: 'one at a time',
      'req/s': sig(1000 / (mean(lat.get(key(t, first)) ?? []) || Number.NaN)),
      'p50 ms': ms(p50(t, first)),
      'p90 ms': ms(percentile(lat.get(key(t, first)) ?? [], 90)),
      'p99 ms': ms(percentile(lat.get(key(t, first)) ?? [], 99)),
      answered: (lat.get(key(t, first)) ?? []).length,
      failed: 0,
      'CPU ms/req': ms(cpuMs(t, first)),
    })),
  );
  const xLabel = 'trips per page (payments entities fetched per request)';
  return {
    rows,
    growth: [
      { id: 'p50-by-page-size', title: 'BI query: median latency by page size (one request at a time)', xLabel, yLabel: 'p50 ms, lone caller', logX: true, series: targets.map((t) => ({ name: t.name, points: GROWTH_PAGE_SIZES.map((first) => ({ x: first, y: p50(t, first) })) })) },
      { id: 'cpu-by-page-size', title: 'BI query: CPU per request by page size', xLabel, yLabel: 'CPU ms per request (whole process)', logX: true, series: targets.map((t) => ({ name: t.name, points: GROWTH_PAGE_SIZES.map((first) => ({ x: first, y: cpuMs(t, first) })) })) },
    ],
    notes: [
      `growth: first: ${GROWTH_PAGE_SIZES.join(' / ')} trips per page, ${count} requests one at a time per point after one warm-up, sizes and targets alternating, ${rounds} rounds; p50/p90/p99 over the ${rounds * count} latencies of a point, "req/s" = 1000 / mean latency (a lone caller), "CPU ms/req" = median over the rounds of the process's CPU time (every thread: gateway, subgraphs, DuckDB, the client) per request. Every answer is checked to hold n trips.`,
    ],
  };
}
