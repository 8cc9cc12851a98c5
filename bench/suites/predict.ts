/**
 * Suite `predict`: surge predictions (`predictSurge`, `predictSurgeBatch`) through both gateway
 * engines (`node`, `hive-router`) and straight to the models subgraph, side by side with the peer a
 * user would pick instead: the same ONNX file behind a minimal FastAPI server on Python onnxruntime
 * (bench/peers/onnx_serving.py). Three measurements, each in alternating rounds (A B C D A B C D),
 * medians: one prediction per request at a fixed offered rate (2,000 req/s; target p99 < 10 ms via
 * the gateway), the same at saturation (20 connections), and batches of 1 / 10 / 1,000 inputs from
 * one caller (target < 20 ms for 1,000), whose growth is plotted.
 */
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { surgeFeatures } from '../../subgraphs/models/feature-vectors.ts';
import { startOnnxServingPeer, type OnnxServingPeer } from '../peers/onnx-serving.ts';
import { gqlData } from '../support/gql.ts';
import { graphqlBody } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { Growth, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { alternate, startPredictRig, type LoadTarget, type MedianLoad, type PredictRig } from './predict-rig.ts';

const MODEL = 'surge_multiplier';
const MODEL_FILE = 'models/surge_multiplier/1/model.onnx';
const PEER_PORT = 21210;
const ROUTER_PORT = 21211;
const OFFERED_RATE = 2_000;
const RATE_CONNECTIONS = 32;
const SATURATION_CONNECTIONS = 20;
const BATCH_SIZES = [1, 10, 1_000] as const;
const TARGET_SINGLE_P99_MS = 10;
const TARGET_BATCH_MS = 20;

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

/** The feature vector our models subgraph computes for an input: what the peer is sent. */
function featureRow(card: ModelCard, input: SurgeInput): number[] {
  const f = surgeFeatures({ ...input, at: Date.parse(input.at) }, 'input', Date.now());
  return card.featureNames.map((n) => f[n] ?? Number.NaN);
}

interface Side {
  /** Short name in the tables. */
  readonly name: string;
  single(input: SurgeInput): LoadTarget['spec'];
  batch(list: readonly SurgeInput[]): LoadTarget['spec'];
}

function sides(rig: PredictRig, card: ModelCard, peer: OnnxServingPeer | null): Side[] {
  const gql = (url: string, signed: boolean): Pick<Side, 'single' | 'batch'> => ({
    single: (i) => ({ url, body: graphqlBody(SINGLE, { i }), connections: 1, ...(signed ? { hmacSecret: rig.hmacSecret } : { headers: rig.headers }) }),
    batch: (list) => ({ url, body: graphqlBody(BATCHED, { i: list }), connections: 1, ...(signed ? { hmacSecret: rig.hmacSecret } : { headers: rig.headers }) }),
  });
  const out: Side[] = [{ name: 'gateway node', ...gql(rig.gatewayUrl, false) }];
  if (rig.routerUrl) out.push({ name: 'gateway hive-router', ...gql(rig.routerUrl, false) });
  out.push({ name: 'models subgraph', ...gql(rig.subgraphUrl('models'), true) });
  if (peer) {
    out.push({
      name: 'peer: FastAPI + onnxruntime',
      single: (i) => ({ url: `${peer.url}/predict`, body: JSON.stringify({ features: featureRow(card, i) }), connections: 1, expectKey: 'prediction' }),
      batch: (list) => ({ url: `${peer.url}/predict/batch`, body: JSON.stringify({ instances: list.map((i) => featureRow(card, i)) }), connections: 1, expectKey: 'predictions' }),
    });
  }
  return out;
}

/** Same multipliers from every side for a few inputs (checked before measuring). */
async function checkAgreement(rig: PredictRig, card: ModelCard, peer: OnnxServingPeer | null, list: readonly SurgeInput[]): Promise<void> {
  const urls = [rig.gatewayUrl, ...(rig.routerUrl ? [rig.routerUrl] : [])];
  const batch = await gqlData<{ predictSurgeBatch: { multiplier: number }[] }>(rig.gatewayUrl, BATCHED, { i: list }, { headers: rig.headers });
  if (batch.predictSurgeBatch.length !== list.length) throw new Error(`the batch answered ${batch.predictSurgeBatch.length} predictions, expected ${list.length}`);
  for (const k of [0, 1, 2, list.length - 1]) {
    const want = batch.predictSurgeBatch[k]?.multiplier ?? Number.NaN;
    for (const url of urls) {
      const one = await gqlData<{ predictSurge: { multiplier: number } }>(url, SINGLE, { i: list[k] }, { headers: rig.headers });
      if (!(Math.abs(one.predictSurge.multiplier - want) < 1e-6)) throw new Error(`input ${k} at ${url}: single ${one.predictSurge.multiplier} vs batch ${want}`);
    }
    if (peer) {
      const res = await fetch(`${peer.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: featureRow(card, list[k] as SurgeInput) }) });
      const got = ((await res.json()) as { prediction: number }).prediction;
      if (!(Math.abs(got - want) < 1e-5)) throw new Error(`input ${k}: the peer answers ${got}, ours ${want}`);
    }
  }
}

function row(target: string, load: string, perRequest: number, m: MedianLoad, offered: number | null): ResultRow {
  return {
    target,
    load,
    'offered req/s': offered,
    'req/s': sig(m.requestsPerSecond),
    'predictions/s': sig(m.requestsPerSecond * perRequest),
    'p50 ms': ms(m.p50),
    'p99 ms': ms(m.p99),
    failed: m.failed,
  };
}

const verdict = (p99: number | undefined, bar: number): string => (p99 === undefined ? 'not measured' : p99 < bar ? `met (${ms(p99)} ms < ${bar} ms)` : `missed (${ms(p99)} ms >= ${bar} ms)`);

export const predictSuite: Suite = {
  name: 'predict',
  title: 'surge predictions: gateway engines and models subgraph vs FastAPI + Python onnxruntime',
  description:
    `predictSurge / predictSurgeBatch via the node and hive-router gateway engines and straight to the models subgraph, vs the same ONNX file behind FastAPI + onnxruntime (Python, PyPI); fixed rate ${OFFERED_RATE} req/s, saturation at ${SATURATION_CONNECTIONS} connections, batches of ${BATCH_SIZES.join(' / ')} from one caller; alternating rounds, medians.`,
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const durationS = ctx.quick ? 2 : 6;
    const warmupS = ctx.quick ? 1 : 2;
    const rounds = 2;
    const rig = await startPredictRig({ logger: ctx.logger, routerPort: ROUTER_PORT });
    let peer: OnnxServingPeer | null = null;
    try {
      const peerOrWhy = await startOnnxServingPeer(MODEL_FILE, PEER_PORT);
      if (typeof peerOrWhy === 'string') ctx.print(`  peer not running: ${peerOrWhy}`);
      else peer = peerOrWhy;
      if (rig.routerProblem) ctx.print(`  ${rig.routerProblem}; measuring without it`);
      const card = rig.loaded.platform.connectors.modelRuntime.loaded().find((c) => c.name === MODEL);
      if (!card) throw new Error(`the model runtime has no ${MODEL} loaded`);
      const regions = (await gqlData<{ regions: { id: string }[] }>(rig.gatewayUrl, '{ regions { id } }', undefined, { headers: rig.headers })).regions.map((r) => r.id);
      const all = inputs(Math.max(...BATCH_SIZES), regions);
      await checkAgreement(rig, card, peer, all.slice(0, 100));
      const first = all[0] as SurgeInput;
      const list = sides(rig, card, peer);

      ctx.print(`  single prediction at ${OFFERED_RATE} req/s offered (${RATE_CONNECTIONS} connections)`);
      const rate = await alternate(list.map((s) => ({ name: s.name, spec: { ...s.single(first), connections: RATE_CONNECTIONS, overallRate: OFFERED_RATE } })), rounds, durationS, warmupS, ctx.print);
      ctx.print(`  single prediction at saturation (${SATURATION_CONNECTIONS} connections)`);
      const sat = await alternate(list.map((s) => ({ name: s.name, spec: { ...s.single(first), connections: SATURATION_CONNECTIONS } })), rounds, durationS, warmupS, ctx.print);
      const batches = new Map<number, Map<string, MedianLoad>>();
      for (const n of BATCH_SIZES) {
        ctx.print(`  batch of ${n}, one caller`);
        batches.set(n, await alternate(list.map((s) => ({ name: s.name, spec: s.batch(all.slice(0, n)) })), rounds, durationS, warmupS, ctx.print));
      }

      const rows: ResultRow[] = [];
      for (const s of list) rows.push(row(s.name, `rate, ${RATE_CONNECTIONS} conns`, 1, rate.get(s.name) as MedianLoad, OFFERED_RATE));
      for (const s of list) rows.push(row(s.name, `saturation, ${SATURATION_CONNECTIONS} conns`, 1, sat.get(s.name) as MedianLoad, null));
      for (const n of BATCH_SIZES) for (const s of list) rows.push(row(s.name, `batch ${n}, 1 conn`, n, batches.get(n)?.get(s.name) as MedianLoad, null));

      const peerName = peer ? list[list.length - 1]?.name ?? '' : '';
      const get = (m: Map<string, MedianLoad> | undefined, name: string): MedianLoad | undefined => m?.get(name);
      const big = batches.get(1_000);
      const ratios = [
        { name: 'node gateway/peer p99 at 2,000 req/s', value: ratio(get(rate, 'gateway node')?.p99, get(rate, peerName)?.p99), meaning: 'one prediction per request at the offered rate: how many times the peer\'s p99 our node gateway takes (>1: slower)' },
        { name: 'hive-router/peer p99 at 2,000 req/s', value: ratio(get(rate, 'gateway hive-router')?.p99, get(rate, peerName)?.p99), meaning: 'the same through the hive-router engine' },
        { name: 'subgraph/peer p99 at 2,000 req/s', value: ratio(get(rate, 'models subgraph')?.p99, get(rate, peerName)?.p99), meaning: 'the same straight to the models subgraph (GraphQL, HMAC check, feature engineering, prediction log)' },
        { name: 'node gateway/peer req/s at saturation', value: ratio(get(sat, 'gateway node')?.requestsPerSecond, get(sat, peerName)?.requestsPerSecond), meaning: `throughput at ${SATURATION_CONNECTIONS} connections (<1: the peer serves more)` },
        { name: 'hive-router/peer req/s at saturation', value: ratio(get(sat, 'gateway hive-router')?.requestsPerSecond, get(sat, peerName)?.requestsPerSecond), meaning: 'the same through the hive-router engine' },
        { name: 'subgraph/peer req/s at saturation', value: ratio(get(sat, 'models subgraph')?.requestsPerSecond, get(sat, peerName)?.requestsPerSecond), meaning: 'the same straight to the models subgraph' },
        { name: 'node gateway/subgraph req/s at saturation', value: ratio(get(sat, 'gateway node')?.requestsPerSecond, get(sat, 'models subgraph')?.requestsPerSecond), meaning: 'what the node gateway hop keeps of the subgraph\'s throughput' },
        { name: 'node gateway/peer p50, batch of 1,000', value: ratio(get(big, 'gateway node')?.p50, get(big, peerName)?.p50), meaning: 'one caller, 1,000 inputs per request (>1: slower than the peer)' },
        { name: 'hive-router/peer p50, batch of 1,000', value: ratio(get(big, 'gateway hive-router')?.p50, get(big, peerName)?.p50), meaning: 'the same through the hive-router engine' },
      ];
      const growth: Growth[] = [
        {
          id: 'batch-latency',
          title: 'predictSurgeBatch: request p50 by batch size (one caller)',
          xLabel: 'inputs per request',
          yLabel: 'p50 ms',
          logX: true,
          logY: true,
          series: list.map((s) => ({ name: s.name, points: BATCH_SIZES.map((n) => ({ x: n, y: batches.get(n)?.get(s.name)?.p50 ?? Number.NaN })) })),
        },
      ];
      const singleRate = (name: string): string => verdict(get(rate, name)?.p99, TARGET_SINGLE_P99_MS);
      const achieved = (name: string): string => `${sig(get(rate, name)?.requestsPerSecond ?? Number.NaN)} req/s achieved`;
      const result: SuiteResult = {
        columns: ['target', 'load', 'offered req/s', 'req/s', 'predictions/s', 'p50 ms', 'p99 ms', 'failed'],
        rows,
        ratios,
        growth,
        notes: [
          `model ${card.name} v${card.version} (${card.featureNames.length} features), the same ONNX file (${MODEL_FILE}) in both: ours onnxruntime-node 1.30.0 with cross-request micro-batching, the peer ${peer?.what ?? 'not running'}.`,
          'ours: the embedded platform in this process (gateway in its own thread, subgraphs on the main loop), production: true, auth on: a service JWT per request to the gateways, HMAC-signed requests straight to the subgraph; the hive-router engine is called on its own port (no front-door hop). The peer has no auth, takes the feature vector already engineered and keeps no prediction log.',
          `load: autocannon in a worker thread, ${warmupS} s warm-up + ${durationS} s per run, ${rounds} rounds alternating the targets in the order of the table, medians; at a fixed rate a connection waits for its answer (a server slower than offered gets less: compare req/s with offered).`,
          `checked before measuring: 100-input batch through the node gateway; inputs 0, 1, 2 and 99 one by one through every gateway equal the batch, and the peer answers the same multiplier (|d| < 1e-5).`,
          `target: single via the gateway p99 < ${TARGET_SINGLE_P99_MS} ms at ${OFFERED_RATE} req/s: node ${singleRate('gateway node')} with ${achieved('gateway node')}; hive-router ${singleRate('gateway hive-router')} with ${achieved('gateway hive-router')}.`,
          `target: batch of 1,000 < ${TARGET_BATCH_MS} ms (p50 of one caller): node ${verdict(get(big, 'gateway node')?.p50, TARGET_BATCH_MS)}; hive-router ${verdict(get(big, 'gateway hive-router')?.p50, TARGET_BATCH_MS)}; subgraph ${verdict(get(big, 'models subgraph')?.p50, TARGET_BATCH_MS)}.`,
        ],
      };
      ctx.print(textReport(result));
      return result;
    } finally {
      await peer?.stop();
      await rig.stop();
    }
  },
};
