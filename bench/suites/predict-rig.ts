/**
 * The rig of the `predict` and `features` suites: the embedded platform (auth on, production) with
 * its `node` gateway engine, our `hive-router` engine started on the same subgraphs (when the
 * binary is built), the subgraph URLs the suites call directly (signed as the gateway signs), and
 * alternating rounds of autocannon runs over a list of targets (A B C A B C ..., medians).
 */
import type { Logger } from 'pino';
import { composeFromSubgraphs } from '../../gateway/compose.ts';
import { hiveRouterAvailable, hiveRouterBinary, hiveRouterEngine } from '../../gateway/engines/hive-router-engine.ts';
import type { RunningEngine } from '../../gateway/engines/engine.ts';
import { SUBGRAPH_NAMES } from '../../bin/config.ts';
import { startLoadedPlatform, type LoadedPlatform } from '../support/embedded.ts';
import { failures, runLoad, type LoadResult, type LoadSpec } from '../support/load.ts';

export interface PredictRig {
  readonly loaded: LoadedPlatform;
  /** `authorization` of a service caller (prediction mutations, feature reads). */
  readonly headers: Record<string, string>;
  readonly gatewayUrl: string;
  /** Our hive-router engine on the same subgraphs, or null (and why not in `routerProblem`). */
  readonly routerUrl: string | null;
  readonly routerProblem: string | null;
  readonly hmacSecret: string;
  subgraphUrl(name: 'models' | 'features'): string;
  stop(): Promise<void>;
}

export interface PredictRigOptions {
  readonly logger: Logger;
  readonly onlineStore?: Readonly<Record<string, unknown>>;
  /** Port of the hive-router engine (0: a free one). */
  readonly routerPort: number;
}

export async function startPredictRig(o: PredictRigOptions): Promise<PredictRig> {
  const loaded = await startLoadedPlatform({ logger: o.logger, hours: 0, ...(o.onlineStore ? { onlineStore: o.onlineStore } : {}) });
  const { platform, auth } = loaded;
  let router: RunningEngine | null = null;
  let routerProblem: string | null = null;
  try {
    if (!hiveRouterAvailable()) {
      routerProblem = `hive-router not built (${hiveRouterBinary()}): scripts/hive-router.sh build`;
    } else {
      const supergraphSdl = await composeFromSubgraphs(SUBGRAPH_NAMES.map((name) => ({ name, url: platform.subgraphUrls[name] })), { hmacSecret: auth.config.hmacSecret });
      router = await hiveRouterEngine.start({ supergraphSdl, port: o.routerPort, logger: o.logger, production: true, auth: auth.config, limits: { rateLimit: { enabled: false } } });
    }
  } catch (e) {
    await loaded.stop();
    throw e;
  }
  return {
    loaded,
    headers: await auth.headers('service'),
    gatewayUrl: platform.gatewayUrl,
    routerUrl: router?.url ?? null,
    routerProblem,
    hmacSecret: auth.config.hmacSecret,
    subgraphUrl: (name) => platform.subgraphUrls[name],
    async stop() {
      await router?.close().catch(() => undefined);
      await loaded.stop();
    },
  };
}

/** One thing measured: a load spec without duration (the rounds set it). */
export interface LoadTarget {
  readonly name: string;
  readonly spec: Omit<LoadSpec, 'durationS' | 'warmupS'>;
}

export interface MedianLoad {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
  readonly rounds: readonly LoadResult[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** `rounds` rounds, each running every target once in order (A B A B): per target the medians. */
export async function alternate(targets: readonly LoadTarget[], rounds: number, durationS: number, warmupS: number, print: (line: string) => void): Promise<Map<string, MedianLoad>> {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (let r = 1; r <= rounds; r++) {
    for (const t of targets) {
      const res = await runLoad({ ...t.spec, durationS, warmupS });
      runs.get(t.name)?.push(res);
      print(`  round ${r}: ${t.name}: ${res.requestsPerSecond.toFixed(0)} req/s, p50 ${res.latencyMs.p50.toFixed(2)} ms, p99 ${res.latencyMs.p99.toFixed(2)} ms${failures(res) ? `, ${failures(res)} failed` : ''}`);
    }
  }
  const out = new Map<string, MedianLoad>();
  for (const [name, rs] of runs) {
    out.set(name, {
      requestsPerSecond: median(rs.map((x) => x.requestsPerSecond)),
      p50: median(rs.map((x) => x.latencyMs.p50)),
      p99: median(rs.map((x) => x.latencyMs.p99)),
      failed: rs.reduce((n, x) => n + failures(x), 0),
      rounds: rs,
    });
  }
  return out;
}
