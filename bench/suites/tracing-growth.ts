/**
 * How the cost of tracing grows with the work per request (issue 11 §5): the tracing suite's query
 * with `first: 4 / 12 / 40` trips (each with its payments: more resolver, subgraph and warehouse
 * spans per request), tracing off and on alternately per size, two rounds; each point is the mean
 * of the two rounds (the median of two).
 */
import { failures, graphqlBody, runLoad, type LoadResult } from '../support/load.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { Growth, ResultRow, SuiteContext } from '../support/types.ts';

/** The fixture warehouse has 40 trips: the largest size reads all of them. */
export const TRACING_GROWTH_SIZES = [4, 12, 40] as const;

export const tracingQuery = (first: number): string => `{ trips(first: ${first}) { edges { node { id status fare payments { id amount status } } } } }`;

export interface TracingGrowth {
  readonly growth: Growth[];
  readonly rows: ResultRow[];
  readonly notes: string[];
}

export async function measureTracingGrowth(ctx: SuiteContext, stacks: { readonly off: string; readonly on: string }, connections: number): Promise<TracingGrowth> {
  const durationS = ctx.quick ? 1 : 4;
  const warmupS = 1;
  const rounds = 2;
  const runs = new Map<string, LoadResult[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const first of TRACING_GROWTH_SIZES) {
      for (const [name, url] of [['tracing off', stacks.off], ['tracing on', stacks.on]] as const) {
        ctx.print(`  growth: ${name}, first: ${first}, round ${round} (${connections} connections, ${warmupS} s warm-up + ${durationS} s)`);
        const r = await runLoad({ url, body: graphqlBody(tracingQuery(first)), connections, durationS, warmupS });
        runs.set(`${name}@${first}`, [...(runs.get(`${name}@${first}`) ?? []), r]);
      }
    }
  }
  const avg = (name: string, first: number, f: (r: LoadResult) => number): number => {
    const vs = (runs.get(`${name}@${first}`) ?? []).map(f).filter(Number.isFinite);
    return vs.length === 0 ? Number.NaN : vs.reduce((s, v) => s + v, 0) / vs.length;
  };
  const rps = (name: string, first: number): number => avg(name, first, (r) => r.requestsPerSecond);
  const p50 = (name: string, first: number): number => avg(name, first, (r) => r.latencyMs.p50);
  const rows: ResultRow[] = (['tracing off', 'tracing on'] as const).flatMap((name) =>
    TRACING_GROWTH_SIZES.map((first) => ({
      target: `${name}, first: ${first}`,
      'req/s': sig(rps(name, first)),
      'p50 ms': ms(p50(name, first)),
      'p90 ms': ms(avg(name, first, (r) => r.latencyMs.p90)),
      'p99 ms': ms(avg(name, first, (r) => r.latencyMs.p99)),
      answered: (runs.get(`${name}@${first}`) ?? []).reduce((s, r) => s + r.requests, 0),
      failed: (runs.get(`${name}@${first}`) ?? []).reduce((s, r) => s + failures(r), 0),
    })),
  );
  const xLabel = 'trips per request (each with its payments)';
  return {
    rows,
    growth: [
      {
        id: 'p50-by-trips',
        title: 'Tracing off vs on (every request sampled): median latency by trips per request',
        xLabel,
        yLabel: `p50 ms at ${connections} connections`,
        logX: true,
        series: (['tracing off', 'tracing on'] as const).map((name) => ({ name, points: TRACING_GROWTH_SIZES.map((first) => ({ x: first, y: p50(name, first) })) })),
      },
      {
        id: 'overhead-by-trips',
        title: 'What tracing costs: on/off ratios by trips per request',
        xLabel,
        yLabel: 'traced / untraced',
        logX: true,
        series: [
          { name: 'p50 latency, on / off (>1: slower traced)', points: TRACING_GROWTH_SIZES.map((first) => ({ x: first, y: ratio(p50('tracing on', first), p50('tracing off', first)) ?? Number.NaN })) },
          { name: 'req/s, on / off (<1: fewer traced)', points: TRACING_GROWTH_SIZES.map((first) => ({ x: first, y: ratio(rps('tracing on', first), rps('tracing off', first)) ?? Number.NaN })) },
        ],
      },
    ],
    notes: [`growth: first: ${TRACING_GROWTH_SIZES.join(' / ')} trips per request, off / on alternately per size, ${warmupS} s warm-up + ${durationS} s each, ${rounds} rounds; each "first: n" row is the mean of the rounds and the sum of their answers.`],
  };
}
