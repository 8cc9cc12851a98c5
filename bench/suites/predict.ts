/**
 * Suite `predict`: surge predictions through the gateway, one per mutation (predictSurge) and 100 per
 * mutation (predictSurgeBatch), against the ModelRuntime called in-process with the same feature rows
 * (the floor: no HTTP, no GraphQL, no feature engineering). Also checked against the seed's bar of
 * under 100 ms per prediction.
 */
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import { startLoadedPlatform } from '../support/embedded.ts';
import { gqlData } from '../support/gql.ts';
import { failures, graphqlBody, runLoad, type LoadResult } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig, summarize } from '../support/stats.ts';
import type { ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';

const SEED_BAR_MS = 100;
const BATCH = 100;
const MODEL = 'surge_multiplier';

const SINGLE = 'mutation Surge($i: SurgeInput!) { predictSurge(input: $i) { regionId multiplier demandSupplyRatio model { version } } }';
const BATCHED = 'mutation SurgeBatch($i: [SurgeInput!]!) { predictSurgeBatch(inputs: $i) { regionId multiplier demandSupplyRatio model { version } } }';

interface SurgeInput { regionId: string; demand: number; supply: number; weather: 'CLEAR' | 'RAIN' | 'SNOW'; recentCancellationRate: number; at: string }

function inputs(n: number, regions: readonly string[]): SurgeInput[] {
  const weathers = ['CLEAR', 'RAIN', 'SNOW'] as const;
  return Array.from({ length: n }, (_, i) => ({
    regionId: regions[i % regions.length] as string,
    demand: 20 + ((i * 37) % 180),
    supply: 5 + ((i * 11) % 60),
    weather: weathers[i % 3] as SurgeInput['weather'],
    recentCancellationRate: (i % 10) / 20,
    at: new Date(Date.UTC(2025, 0, 6 + (i % 7), i % 24)).toISOString(),
  }));
}

/** The floor: `callers` concurrent loops of ModelRuntime.run with `rowsPerCall` rows, for `seconds`. */
async function runtimeFloor(runtime: ModelRuntime, version: string, width: number, rowsPerCall: number, callers: number, seconds: number): Promise<{ predictionsPerSecond: number; p50: number; p99: number; calls: number }> {
  const rows = Array.from({ length: rowsPerCall }, (_, i) => Array.from({ length: width }, (_, j) => ((i * 7 + j * 3) % 10) / 10));
  for (let i = 0; i < 50; i++) await runtime.run(MODEL, version, rows); // warm-up
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      await runtime.run(MODEL, version, rows);
      latencies.push(performance.now() - s);
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const s = summarize(latencies);
  return { predictionsPerSecond: (latencies.length * rowsPerCall) / elapsed, p50: s.p50, p99: s.p99, calls: latencies.length };
}

function loadRow(target: string, connections: number, perRequest: number, r: LoadResult): ResultRow {
  return {
    target,
    conns: connections,
    'predictions/s': sig(r.requestsPerSecond * perRequest),
    'req p50 ms': ms(r.latencyMs.p50),
    'req p99 ms': ms(r.latencyMs.p99),
    'ms/prediction (p50)': sig(r.latencyMs.p50 / perRequest),
    failed: failures(r),
  };
}

export const predictSuite: Suite = {
  name: 'predict',
  title: 'surge predictions: single vs batch mutation vs the ONNX runtime in-process',
  description:
    `predictSurge through the gateway (one prediction per request) vs predictSurgeBatch with ${BATCH} inputs per request, vs ModelRuntime.run() (onnxruntime-node) called in-process with the same number of rows (the floor); embedded platform, one process.`,
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const durationS = ctx.quick ? 2 : 8;
    const warmupS = ctx.quick ? 1 : 2;
    const loaded = await startLoadedPlatform({ logger: ctx.logger, hours: 0 });
    try {
      const { platform, auth } = loaded;
      // the caller of prediction mutations is an internal service: a service token
      const headers = await auth.headers('service');
      const runtime = platform.connectors.modelRuntime;
      const card = runtime.loaded().find((c) => c.name === MODEL);
      if (!card) throw new Error(`the model runtime has no ${MODEL} loaded`);
      const regions = (await gqlData<{ regions: { id: string }[] }>(platform.gatewayUrl, '{ regions { id } }', undefined, { headers })).regions.map((r) => r.id);
      if (regions.length === 0) throw new Error('the gateway lists no regions');
      const batchInputs = inputs(BATCH, regions);
      const single = { i: batchInputs[0] };
      // checked before measuring: a batch answers the same multipliers as single calls
      const batchAnswer = await gqlData<{ predictSurgeBatch: { multiplier: number }[] }>(platform.gatewayUrl, BATCHED, { i: batchInputs }, { headers });
      if (batchAnswer.predictSurgeBatch.length !== BATCH) throw new Error(`the batch answered ${batchAnswer.predictSurgeBatch.length} predictions, expected ${BATCH}`);
      for (const k of [0, 1, 2, 50, 99]) {
        const one = await gqlData<{ predictSurge: { multiplier: number } }>(platform.gatewayUrl, SINGLE, { i: batchInputs[k] }, { headers });
        const inBatch = batchAnswer.predictSurgeBatch[k]?.multiplier;
        if (inBatch === undefined || Math.abs(one.predictSurge.multiplier - inBatch) > 1e-6) throw new Error(`input ${k}: single ${one.predictSurge.multiplier} vs batch ${inBatch}`);
      }

      const runs: { target: string; connections: number; perRequest: number; body: string }[] = [
        { target: 'predictSurge via gateway', connections: 1, perRequest: 1, body: graphqlBody(SINGLE, single) },
        { target: 'predictSurge via gateway', connections: 10, perRequest: 1, body: graphqlBody(SINGLE, single) },
        { target: `predictSurgeBatch(${BATCH}) via gateway`, connections: 10, perRequest: BATCH, body: graphqlBody(BATCHED, { i: batchInputs }) },
      ];
      const results: LoadResult[] = [];
      for (const r of runs) {
        ctx.print(`  load: ${r.target} (${r.connections} connections, ${warmupS} s warm-up + ${durationS} s)`);
        results.push(await runLoad({ url: platform.gatewayUrl, body: r.body, connections: r.connections, durationS, warmupS, headers }));
      }
      const [single1, single10, batch10] = results as [LoadResult, LoadResult, LoadResult];
      ctx.print('  in-process: ModelRuntime.run()');
      const floorSeconds = ctx.quick ? 1 : 3;
      const floorBatch = await runtimeFloor(runtime, card.version, card.featureNames.length, BATCH, 10, floorSeconds);
      const floorSingle = await runtimeFloor(runtime, card.version, card.featureNames.length, 1, 10, floorSeconds);
      const floorRow = (target: string, perCall: number, f: typeof floorBatch): ResultRow => ({
        target,
        conns: 10,
        'predictions/s': sig(f.predictionsPerSecond),
        'req p50 ms': ms(f.p50),
        'req p99 ms': ms(f.p99),
        'ms/prediction (p50)': sig(f.p50 / perCall),
        failed: 0,
      });
      const rows: ResultRow[] = [
        ...runs.map((r, i) => loadRow(r.target, r.connections, r.perRequest, results[i] as LoadResult)),
        floorRow(`ModelRuntime.run(${BATCH} rows) in-process (floor)`, BATCH, floorBatch),
        floorRow('ModelRuntime.run(1 row) in-process', 1, floorSingle),
      ];
      const batchPps = batch10.requestsPerSecond * BATCH;
      const result: SuiteResult = {
        columns: ['target', 'conns', 'predictions/s', 'req p50 ms', 'req p99 ms', 'ms/prediction (p50)', 'failed'],
        rows,
        ratios: [
          { name: 'batch/single predictions/s', value: ratio(batchPps, single10.requestsPerSecond), meaning: `predictions per second with ${BATCH} inputs per mutation over one input per mutation, both at 10 connections` },
          { name: 'floor/batch predictions/s', value: ratio(floorBatch.predictionsPerSecond, batchPps), meaning: `what HTTP + gateway + subgraph + feature engineering cost over the bare ONNX runtime at ${BATCH} rows per call (>1: the runtime alone is faster)` },
          { name: 'seed bar/single p99', value: ratio(SEED_BAR_MS, single10.latencyMs.p99), meaning: `headroom under the seed's bar of ${SEED_BAR_MS} ms per prediction: the bar over the p99 of one prediction per request at 10 connections (>1: within the bar)` },
          { name: 'seed bar/single p99, 1 connection', value: ratio(SEED_BAR_MS, single1.latencyMs.p99), meaning: 'the same for a lone caller (no queueing behind other requests)' },
        ],
        notes: [
          `model ${card.name} version ${card.version} (${card.featureNames.length} features), onnxruntime-node on the CPU, embedded platform with production: true and auth on (a service JWT on every request, HMAC-signed subgraph requests).`,
          `load: autocannon, POST, ${warmupS} s warm-up then ${durationS} s measured per row, in a worker thread; every response checked (no GraphQL errors).`,
          `checked before measuring: ${BATCH} predictions from the batch mutation, and inputs 0, 1, 2, 50, 99 give the same multiplier one by one.`,
          `floor: ${floorSeconds} s of 10 concurrent callers of ModelRuntime.run() with ${BATCH} rows (and with 1 row) of the model's feature width; concurrent single-row calls are coalesced by the runtime's micro-batcher.`,
          `the seed's bar is "under ${SEED_BAR_MS} ms per prediction"; ms/prediction is request latency divided by predictions per request.`,
        ],
      };
      ctx.print(textReport(result));
      return result;
    } finally {
      await loaded.stop();
    }
  },
};
