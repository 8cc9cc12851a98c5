/**
 * Suite `predict-window`: the ONNX runtime's cross-request batching window (ADR 0030), measured
 * side by side in one run: two embedded platforms in this process, one with `batchWindowMs: 2`
 * (the default before ADR 0030) and one with `batchWindowMs: 0` (the default now: a lone call runs
 * at once, calls arriving while a run is in flight go together next), the same single predictSurge
 * straight to each models subgraph, alternating rounds, medians.
 */
import { startLoadedPlatform, type LoadedPlatform } from '../support/embedded.ts';
import { gqlData } from '../support/gql.ts';
import { graphqlBody } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { alternate, type LoadTarget, type MedianLoad } from './predict-rig.ts';

const SINGLE = 'mutation Surge($i: SurgeInput!) { predictSurge(input: $i) { regionId multiplier demandSupplyRatio model { version } } }';
const WINDOWS = [2, 0] as const;
const LOADS = [
  { name: '1 conn', connections: 1 },
  { name: '2,000 req/s offered, 32 conns', connections: 32, overallRate: 2_000 },
  { name: 'saturation, 20 conns', connections: 20 },
] as const;

export const predictWindowSuite: Suite = {
  name: 'predict-window',
  title: 'the model runtime\'s batching window: 2 ms vs 0 ms, same run',
  description: 'single predictSurge straight to the models subgraph of two embedded platforms in one process, batchWindowMs 2 (old default) vs 0 (ADR 0030), at 1 connection, at 2,000 req/s offered and at saturation; alternating rounds, medians.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const durationS = ctx.quick ? 2 : 5;
    const warmupS = 1;
    const platforms: LoadedPlatform[] = [];
    try {
      for (const w of WINDOWS) platforms.push(await startLoadedPlatform({ logger: ctx.logger, hours: 0, modelRuntime: { kind: 'onnx', batchWindowMs: w } }));
      const [a] = platforms as [LoadedPlatform];
      const headers = await a.auth.headers('service');
      const regionId = (await gqlData<{ regions: { id: string }[] }>(a.platform.gatewayUrl, '{ regions { id } }', undefined, { headers })).regions[0]?.id ?? 'unknown';
      const body = graphqlBody(SINGLE, { i: { regionId, demand: 80, supply: 20, weather: 'RAIN', recentCancellationRate: 0.1, at: '2025-01-06T18:00:00.000Z' } });
      const rows: ResultRow[] = [];
      const results = new Map<string, Map<string, MedianLoad>>();
      for (const load of LOADS) {
        ctx.print(`  ${load.name}`);
        const targets: LoadTarget[] = WINDOWS.map((w, i) => {
          const p = platforms[i] as LoadedPlatform;
          return { name: `batchWindowMs ${w}`, spec: { url: p.platform.subgraphUrls.models, body, connections: load.connections, hmacSecret: p.auth.config.hmacSecret, ...('overallRate' in load ? { overallRate: load.overallRate } : {}) } };
        });
        const m = await alternate(targets, 2, durationS, warmupS, ctx.print);
        results.set(load.name, m);
        for (const t of targets) {
          const r = m.get(t.name) as MedianLoad;
          rows.push({ target: `models subgraph, ${t.name}`, load: load.name, 'req/s': sig(r.requestsPerSecond), 'p50 ms': ms(r.p50), 'p99 ms': ms(r.p99), failed: r.failed });
        }
      }
      const r = (load: string, w: number): MedianLoad | undefined => results.get(load)?.get(`batchWindowMs ${w}`);
      const result: SuiteResult = {
        columns: ['target', 'load', 'req/s', 'p50 ms', 'p99 ms', 'failed'],
        rows,
        ratios: LOADS.flatMap((l) => [
          { name: `0 ms/2 ms p50, ${l.name}`, value: ratio(r(l.name, 0)?.p50, r(l.name, 2)?.p50), meaning: 'request p50 with no window over the 2 ms window (<1: faster without)' },
          { name: `0 ms/2 ms p99, ${l.name}`, value: ratio(r(l.name, 0)?.p99, r(l.name, 2)?.p99), meaning: 'the same at p99' },
          { name: `0 ms/2 ms req/s, ${l.name}`, value: ratio(r(l.name, 0)?.requestsPerSecond, r(l.name, 2)?.requestsPerSecond), meaning: 'throughput (>1: more without)' },
        ]),
        notes: [
          'two embedded platforms in one process (production, auth on), each with its own onnxruntime-node session; the load goes to one at a time, signed as the gateway signs.',
          `autocannon in a worker thread, ${warmupS} s warm-up + ${durationS} s per run, 2 rounds alternating the two windows, medians.`,
        ],
      };
      ctx.print(textReport(result));
      return result;
    } finally {
      for (const p of platforms) await p.stop().catch(() => undefined);
    }
  },
};
