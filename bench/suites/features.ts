/**
 * Suite `features`: online feature vectors (`onlineFeatures(entity: DRIVER, ids)`) on a real Redis,
 * at the features subgraph, through both gateway engines (`node`, `hive-router`), against the read
 * a service would make instead: one ioredis pipeline of HGETALL over the same keys (the peer). One
 * caller, 1 / 10 / 100 ids per request, alternating rounds, medians. Targets: subgraph p99 < 1.5 ms
 * (Feast's published bar on Redis), gateway p99 < 5 ms, for one vector.
 */
import { FEATURES, featuresOf } from '../../schema/features.ts';
import { directPipelineReads, startOwnRedis, type DirectReadResult, type OwnRedis } from '../peers/redis-pipeline.ts';
import { gqlData } from '../support/gql.ts';
import { failures, graphqlBody, runLoad } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { Growth, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { startPredictRig, type LoadTarget } from './predict-rig.ts';

const REDIS_PORT = 21201;
const ROUTER_PORT = 21221;
const SIZES = [1, 10, 100] as const;
const VECTORS = 1_000;
const TARGET_SUBGRAPH_P99_MS = 1.5;
const TARGET_GATEWAY_P99_MS = 5;
const PEER = 'peer: ioredis pipeline';

const QUERY = 'query V($ids: [ID!]!) { onlineFeatures(entity: DRIVER, ids: $ids) { id updatedAt values { name value } } }';

interface Measured {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function medianOf(rs: readonly Measured[]): Measured {
  return { requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), failed: rs.reduce((n, r) => n + r.failed, 0) };
}

const verdict = (p99: number | undefined, bar: number): string => (p99 === undefined ? 'not measured' : p99 < bar ? `met (${ms(p99)} ms < ${bar} ms)` : `missed (${ms(p99)} ms >= ${bar} ms)`);

export const featuresSuite: Suite = {
  name: 'features',
  title: 'online feature vectors on Redis: subgraph and gateway engines vs a direct ioredis pipeline',
  description: `onlineFeatures(entity: DRIVER) for ${SIZES.join(' / ')} ids from one caller at the features subgraph and through the node and hive-router gateway engines, on a real Redis, vs one ioredis pipeline of HGETALL over the same keys; alternating rounds, medians.`,
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const durationS = ctx.quick ? 2 : 5;
    const warmupS = 1;
    const rounds = 2;
    const redisOrWhy = await startOwnRedis(REDIS_PORT);
    if (typeof redisOrWhy === 'string') throw new Error(`the features suite needs redis-server on PATH: ${redisOrWhy}`);
    const redis: OwnRedis = redisOrWhy;
    const keyPrefix = `gofuture:bench:${ctx.runId}:`;
    try {
      const rig = await startPredictRig({ logger: ctx.logger, routerPort: ROUTER_PORT, onlineStore: { kind: 'redis', url: redis.url, keyPrefix } });
      try {
        if (rig.routerProblem) ctx.print(`  ${rig.routerProblem}; measuring without it`);
        const store = rig.loaded.platform.connectors.onlineStore;
        const defs = featuresOf('driver');
        const ids = Array.from({ length: VECTORS }, (_, i) => `bench-driver-${i}`);
        for (let i = 0; i < ids.length; i += 200) {
          await store.put(ids.slice(i, i + 200).map((id, j) => ({ entity: 'driver', id, ttlMs: 3_600_000, values: Object.fromEntries(defs.map((f, k) => [f.name, f.valueType === 'int' ? (i + j + k) % 500 : 3 + ((i + j + k) % 20) / 10])) })));
        }
        // checked before measuring: every side reads the vectors written
        const check = ids.slice(0, 100);
        for (const url of [rig.gatewayUrl, ...(rig.routerUrl ? [rig.routerUrl] : [])]) {
          const got = await gqlData<{ onlineFeatures: ({ id: string; values: { value: number | null }[] } | null)[] }>(url, QUERY, { ids: check }, { headers: rig.headers });
          const bad = got.onlineFeatures.findIndex((v, i) => !v || v.id !== check[i] || v.values.length !== defs.length || v.values.some((x) => x.value === null));
          if (bad !== -1) throw new Error(`${url}: vector ${bad} of ${check.length} is missing or incomplete`);
        }
        const keysOf = (n: number): string[] => ids.slice(0, n).map((id) => `${keyPrefix}driver:${id}`);

        const targets = (n: number): LoadTarget[] => {
          const body = graphqlBody(QUERY, { ids: ids.slice(0, n) });
          return [
            { name: 'features subgraph', spec: { url: rig.subgraphUrl('features'), body, connections: 1, hmacSecret: rig.hmacSecret } },
            { name: 'gateway node', spec: { url: rig.gatewayUrl, body, connections: 1, headers: rig.headers } },
            ...(rig.routerUrl ? [{ name: 'gateway hive-router', spec: { url: rig.routerUrl, body, connections: 1, headers: rig.headers } }] : []),
          ];
        };
        const names = [...targets(1).map((t) => t.name), PEER];
        const runs = new Map<string, Measured[]>();
        for (let r = 1; r <= rounds; r++) {
          for (const n of SIZES) {
            for (const t of targets(n)) {
              const res = await runLoad({ ...t.spec, durationS, warmupS });
              const m: Measured = { requestsPerSecond: res.requestsPerSecond, p50: res.latencyMs.p50, p99: res.latencyMs.p99, failed: failures(res) };
              runs.set(`${t.name}|${n}`, [...(runs.get(`${t.name}|${n}`) ?? []), m]);
              ctx.print(`  round ${r}, ${n} ids: ${t.name}: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ${m.requestsPerSecond.toFixed(0)} req/s`);
            }
            const d: DirectReadResult = await directPipelineReads(redis.url, keysOf(n), durationS, warmupS);
            runs.set(`${PEER}|${n}`, [...(runs.get(`${PEER}|${n}`) ?? []), { ...d, failed: 0 }]);
            ctx.print(`  round ${r}, ${n} ids: ${PEER}: p50 ${d.p50.toFixed(3)} ms, p99 ${d.p99.toFixed(3)} ms`);
          }
        }
        const med = (name: string, n: number): Measured | undefined => {
          const rs = runs.get(`${name}|${n}`);
          return rs ? medianOf(rs) : undefined;
        };
        const rows: ResultRow[] = [];
        for (const n of SIZES) {
          for (const name of names) {
            const m = med(name, n);
            if (!m) continue;
            rows.push({ target: name, ids: n, 'req/s': sig(m.requestsPerSecond), 'vectors/s': sig(m.requestsPerSecond * n), 'p50 ms': ms(m.p50), 'p99 ms': ms(m.p99), failed: m.failed });
          }
        }
        const growth: Growth[] = [{
          id: 'vector-latency',
          title: 'onlineFeatures: p99 by ids per request (one caller, Redis)',
          xLabel: 'ids per request',
          yLabel: 'p99 ms',
          logX: true,
          logY: true,
          series: names.map((name) => ({ name, points: SIZES.map((n) => ({ x: n, y: med(name, n)?.p99 ?? Number.NaN })) })),
        }];
        const result: SuiteResult = {
          columns: ['target', 'ids', 'req/s', 'vectors/s', 'p50 ms', 'p99 ms', 'failed'],
          rows,
          ratios: [
            { name: 'subgraph/peer p99, 1 id', value: ratio(med('features subgraph', 1)?.p99, med(PEER, 1)?.p99), meaning: 'one vector: the features subgraph (HTTP, HMAC check, GraphQL, DataLoader, decode) over the bare pipeline read' },
            { name: 'node gateway/peer p99, 1 id', value: ratio(med('gateway node', 1)?.p99, med(PEER, 1)?.p99), meaning: 'the same through the node gateway (JWT check, plan, signed subgraph call)' },
            { name: 'hive-router/peer p99, 1 id', value: ratio(med('gateway hive-router', 1)?.p99, med(PEER, 1)?.p99), meaning: 'the same through the hive-router engine' },
            { name: 'node gateway/subgraph p99, 1 id', value: ratio(med('gateway node', 1)?.p99, med('features subgraph', 1)?.p99), meaning: 'what the node gateway hop adds' },
            { name: 'subgraph/peer p99, 100 ids', value: ratio(med('features subgraph', 100)?.p99, med(PEER, 100)?.p99), meaning: '100 vectors per request: the cost per request amortised' },
          ],
          growth,
          notes: [
            `Redis ${redis.version} (redis-server of our own on port ${REDIS_PORT}, no persistence), ${VECTORS} driver vectors of ${defs.length} features (of ${FEATURES.length} defined) written through the platform's RedisOnlineStore (one HASH per vector, values JSON-encoded).`,
            'ours: the embedded platform with onlineStore: redis (ioredis 5.11.1), production: true, auth on (service JWT to the gateways, HMAC-signed requests straight to the subgraph); the hive-router engine on its own port. The peer: one ioredis client in this process, one pipeline of HGETALL per request, every value JSON.parse-d; no HTTP, no auth.',
            `load: autocannon, 1 connection, ${warmupS} s warm-up + ${durationS} s per run; the peer a loop of ${durationS} s after ${warmupS} s warm-up; ${rounds} rounds alternating (sizes in turn, then the targets in table order), medians.`,
            `checked before measuring: 100 vectors through every gateway, each complete and in order.`,
            `target: one vector at the subgraph p99 < ${TARGET_SUBGRAPH_P99_MS} ms: ${verdict(med('features subgraph', 1)?.p99, TARGET_SUBGRAPH_P99_MS)}; via the gateway p99 < ${TARGET_GATEWAY_P99_MS} ms: node ${verdict(med('gateway node', 1)?.p99, TARGET_GATEWAY_P99_MS)}, hive-router ${verdict(med('gateway hive-router', 1)?.p99, TARGET_GATEWAY_P99_MS)}.`,
          ],
        };
        ctx.print(textReport(result));
        await store.delete('driver', ids).catch(() => undefined);
        return result;
      } finally {
        await rig.stop();
      }
    } finally {
      await redis.stop();
    }
  },
};
