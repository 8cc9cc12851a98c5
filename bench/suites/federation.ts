/**
 * Suite `federation`: The Guild's gateways-benchmark shape (accounts, inventory with `@requires`,
 * products, reviews; one large nested query with fragments, ~67 KB answers) at 50 connections
 * through Apollo Gateway (the 1.00x baseline), the Hive Gateway CLI with its JS planner and with
 * its Rust planner, our Node engine (JS planner, Rust planner, two processes on one port) and our
 * Hive Router engine, ours with auth (JWT verified on every request) and limits on. Each target is
 * its own process (RSS and CPU read from /proc); targets alternate A B C ... A B C ..., figures are
 * medians of the rounds. Env: FEDERATION_ROUNDS, FEDERATION_SECONDS, FEDERATION_TARGETS (comma list).
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeFromSubgraphs } from '../../gateway/compose.ts';
import { hiveRouterAvailable, hiveRouterBinary } from '../../gateway/engines/hive-router-engine.ts';
import type { LimitsInput } from '../../gateway/plugins/policy-config.ts';
import { benchAuth } from '../support/auth.ts';
import { failures, graphqlBody, runLoad, type LoadResult } from '../support/load.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig } from '../support/stats.ts';
import type { Growth, Ratio, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { cpuSeconds, peakRssMb, readyLine, spawnChild, waitForEndpoint, type Child } from './federation/processes.ts';
import { FEDERATION_QUERY } from './federation/query.ts';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'federation');
const ROOT = path.resolve(HERE, '../../..');
const PORT_BASE = Number(process.env['FEDERATION_PORT_BASE'] ?? 26000);
const CONNECTIONS = 50;

interface Running {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

interface Target {
  readonly name: string;
  readonly what: string;
  readonly policies: string;
  start(port: number): Promise<Running>;
}

interface Env {
  readonly supergraphPath: string;
  readonly supergraphSdl: string;
  readonly dir: string;
  readonly auth: ReturnType<typeof benchAuth>;
}

// Sized so the benchmark query passes (cost 24,420 by our estimate); the rate limit is on (its
// cost is measured) with a budget one load generator, one caller, cannot spend.
const BENCH_LIMITS: LimitsInput = { maxCost: 50_000, rateLimit: { points: 1_000_000_000, durationSeconds: 1 } };
/** Connection counts of the growth runs (the rounds give the 50-connection point). */
const GROWTH_CONNECTIONS = [10, 100];
const GROWTH_TARGETS = ['apollo-gateway', 'hive-gateway-rust', 'ours-hive-router', 'ours-hive-router-direct'];

function childRunning(c: Child, url: string): Running {
  return { url, pid: c.pid, stop: () => c.stop() };
}

async function startChild(c: Child, url: string, headers: Record<string, string>): Promise<Running> {
  try {
    await waitForEndpoint(url, c, 90_000, headers);
  } catch (e) {
    await c.stop();
    throw e;
  }
  return childRunning(c, url);
}

function targets(env: Env, headers: Record<string, string>): Target[] {
  const node = process.execPath;
  const hiveBin = path.join(ROOT, 'node_modules/@graphql-hive/gateway/dist/bin.js');
  const ours = (name: string, what: string, planner: 'js' | 'rust', workers: number): Target => ({
    name,
    what,
    policies: 'JWT + limits',
    async start(port) {
      const file = path.join(env.dir, `${name}.json`);
      await writeFile(file, JSON.stringify({ supergraphSdl: env.supergraphSdl, port, production: true, auth: env.auth.config, limits: BENCH_LIMITS, planner, workers }));
      const c = spawnChild(node, [path.join(HERE, 'node-gateway.ts'), file]);
      await readyLine(c, 90_000).catch(async (e: unknown) => {
        await c.stop();
        throw e;
      });
      return startChild(c, `http://127.0.0.1:${port}/graphql`, headers);
    },
  });
  const hive = (name: string, what: string, rust: boolean): Target => ({
    name,
    what,
    policies: 'none (defaults)',
    start: (port) =>
      startChild(spawnChild(node, [hiveBin, 'supergraph', env.supergraphPath, '--port', String(port), '--host', '127.0.0.1', ...(rust ? ['--hive-router-runtime'] : [])], { NODE_ENV: 'production', LOG_LEVEL: 'error' }), `http://127.0.0.1:${port}/graphql`, headers),
  });
  const router = (name: string, what: string, policies: string, direct: boolean): Target => ({
    name,
    what,
    policies,
    async start(port) {
      const file = path.join(env.dir, `${name}.json`);
      await writeFile(file, JSON.stringify({ supergraphSdl: env.supergraphSdl, port, production: true, auth: env.auth.config, requireAuthentication: true, limits: BENCH_LIMITS }));
      const c = spawnChild(node, [path.join(HERE, 'router-gateway.ts'), file]);
      const ready = await readyLine<{ url: string; directUrl: string }>(c, 90_000).catch(async (e: unknown) => {
        await c.stop();
        throw e;
      });
      return startChild(c, direct ? ready.directUrl : ready.url, headers);
    },
  });
  return [
    {
      name: 'apollo-gateway',
      what: '@apollo/gateway 2.14.4 on @apollo/server (baseline)',
      policies: 'none (defaults)',
      start: (port) => startChild(spawnChild(node, [path.join(HERE, 'apollo-gateway.ts'), env.supergraphPath, String(port)], { NODE_ENV: 'production' }), `http://127.0.0.1:${port}/`, headers),
    },
    hive('hive-gateway', 'Hive Gateway CLI 2.15.1, JS planner', false),
    hive('hive-gateway-rust', 'Hive Gateway CLI 2.15.1, --hive-router-runtime (Rust planner)', true),
    ours('ours-node', 'our node engine, JS planner, one process', 'js', 1),
    ours('ours-node-rust', 'our node engine, Rust planner, one process', 'rust', 1),
    ours('ours-node-2proc', 'our node engine, JS planner, 2 processes on one port (all cores)', 'js', 2),
    router('ours-hive-router', 'our hive-router engine: Hive Router 0.2.0 behind our Node policy front (one hop)', 'JWT required + front (API keys, rate limit, sizes, deadline) + limits', false),
    router('ours-hive-router-direct', 'the same router on its own port, front hop left out (what the hop costs)', 'JWT required + router limits (no front)', true),
  ];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * Warm-up one request at a time (plans cached, JIT warm) for `seconds`, at least 3 requests: a
 * concurrent warm-up would leave 50 abandoned requests still running into the measured window.
 */
async function warmUp(url: string, headers: Record<string, string>, seconds: number): Promise<void> {
  const until = performance.now() + seconds * 1000;
  for (let i = 0; i < 3 || performance.now() < until; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: graphqlBody(FEDERATION_QUERY) });
    await res.arrayBuffer();
  }
}

interface Measured {
  readonly target: Target;
  readonly runs: { readonly load: LoadResult; readonly cores: number }[];
  peakMb: number;
  answerBytes: number;
  sameAnswer: boolean;
}

export const federationSuite: Suite = {
  name: 'federation',
  title: 'gateways-benchmark federated query: Apollo Gateway vs Hive Gateway vs our engines',
  description:
    'The Guild gateways-benchmark shape (accounts, inventory @requires, products, reviews; one nested query with fragments, ~67 KB answer) at 50 connections through Apollo Gateway (baseline), Hive Gateway CLI (JS and Rust planner), our node engine (JS, Rust planner, 2 processes) and our hive-router engine; ours with JWT auth and limits on; alternating rounds, medians.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const rounds = Number(process.env['FEDERATION_ROUNDS'] ?? (ctx.quick ? 1 : 2));
    const durationS = Number(process.env['FEDERATION_SECONDS'] ?? (ctx.quick ? 3 : 30));
    const warmupS = ctx.quick ? 1 : 3;
    const only = process.env['FEDERATION_TARGETS']?.split(',').filter(Boolean);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-federation-'));
    const subgraphs = spawnChild(process.execPath, [path.join(HERE, 'subgraphs.ts'), String(PORT_BASE + 1)]);
    const running = new Map<string, Running>();
    try {
      const { urls } = await readyLine<{ urls: Record<string, string> }>(subgraphs, 30_000);
      const supergraphSdl = await composeFromSubgraphs(Object.entries(urls).map(([name, url]) => ({ name, url })), { logger: ctx.logger });
      const supergraphPath = path.join(dir, 'supergraph.graphql');
      await writeFile(supergraphPath, supergraphSdl);
      const auth = benchAuth();
      const headers = await auth.headers('bi');
      const env: Env = { supergraphPath, supergraphSdl, dir, auth };
      let chosen = targets(env, headers).filter((t) => !only || only.includes(t.name));
      if (!hiveRouterAvailable()) {
        ctx.print(`  hive-router not built (${hiveRouterBinary()}): run scripts/hive-router.sh build; skipping it`);
        chosen = chosen.filter((t) => !t.name.startsWith('ours-hive-router'));
      }
      const measured: Measured[] = [];
      let reference: string | undefined;
      for (const [i, t] of chosen.entries()) {
        ctx.print(`  starting ${t.name}...`);
        const r = await t.start(PORT_BASE + 10 + i);
        running.set(t.name, r);
        const res = await fetch(r.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: graphqlBody(FEDERATION_QUERY) });
        const text = await res.text();
        const answer = JSON.stringify((JSON.parse(text) as { data?: unknown }).data ?? null);
        reference ??= answer;
        measured.push({ target: t, runs: [], peakMb: 0, answerBytes: Buffer.byteLength(text), sameAnswer: answer === reference && res.status === 200 });
      }
      for (let round = 1; round <= rounds; round++) {
        for (const m of measured) {
          const r = running.get(m.target.name);
          if (!r) continue;
          await warmUp(r.url, headers, warmupS);
          const cpu0 = cpuSeconds(r.pid);
          const t0 = performance.now();
          const load = await runLoad({ url: r.url, body: graphqlBody(FEDERATION_QUERY), connections: CONNECTIONS, durationS, warmupS: 0, headers });
          const cores = (cpuSeconds(r.pid) - cpu0) / ((performance.now() - t0) / 1000);
          m.runs.push({ load, cores });
          ctx.print(`  round ${round} ${m.target.name}: ${sig(load.requestsPerSecond)} req/s, p99 ${ms(load.latencyMs.p99)} ms, ${cores.toFixed(2)} cores, failed ${failures(load)}`);
        }
      }
      // growth: the same load at other connection counts, targets alternating per size
      const growthS = ctx.quick ? 2 : 10;
      const atSize = new Map<string, { x: number; rps: number; p99: number }[]>();
      for (const connections of GROWTH_CONNECTIONS) {
        for (const m of measured.filter((x) => GROWTH_TARGETS.includes(x.target.name))) {
          const r = running.get(m.target.name);
          if (!r) continue;
          const load = await runLoad({ url: r.url, body: graphqlBody(FEDERATION_QUERY), connections, durationS: growthS, warmupS: 0, headers });
          const list = atSize.get(m.target.name) ?? [];
          list.push({ x: connections, rps: load.requestsPerSecond, p99: load.latencyMs.p99 });
          atSize.set(m.target.name, list);
          ctx.print(`  growth ${connections} conns ${m.target.name}: ${sig(load.requestsPerSecond)} req/s, p99 ${ms(load.latencyMs.p99)} ms`);
        }
      }
      for (const m of measured) {
        const r = running.get(m.target.name);
        if (r) m.peakMb = peakRssMb(r.pid);
      }
      const base = measured.find((m) => m.target.name === 'apollo-gateway');
      const rpsOf = (m: Measured | undefined): number | null => (m && m.runs.length > 0 ? median(m.runs.map((x) => x.load.requestsPerSecond)) : null);
      const cpuPerRequest = (m: Measured | undefined): number | null => {
        const xs = (m?.runs ?? []).map((x) => (x.load.requestsPerSecond > 0 ? x.cores / x.load.requestsPerSecond : Number.NaN)).filter(Number.isFinite);
        return xs.length > 0 ? median(xs) : null;
      };
      const rows: ResultRow[] = measured.map((m) => ({
        target: m.target.name,
        policies: m.target.policies,
        'req/s': sig(rpsOf(m)),
        'x apollo': sig(ratio(rpsOf(m), rpsOf(base))),
        'p50 ms': ms(median(m.runs.map((x) => x.load.latencyMs.p50))),
        'p99 ms': ms(median(m.runs.map((x) => x.load.latencyMs.p99))),
        'peak RSS MB': Math.round(m.peakMb),
        cores: sig(median(m.runs.map((x) => x.cores)), 2),
        // CPU per answered request: what a target costs whatever share of the cores it got (the
        // figure that survives a shared, saturated machine best)
        'CPU ms/req': sig(median(m.runs.map((x) => (x.load.requestsPerSecond > 0 ? (x.cores * 1000) / x.load.requestsPerSecond : Number.NaN)).filter(Number.isFinite)), 3),
        'rounds req/s': m.runs.map((x) => sig(x.load.requestsPerSecond)).join(' / '),
        failed: m.runs.reduce((s, x) => s + failures(x.load), 0),
        'same answer': m.sameAnswer ? 'yes' : 'NO',
      }));
      const ratios: Ratio[] = measured
        .filter((m) => m !== base)
        .flatMap((m) => [
          { name: `${m.target.name} / apollo-gateway req/s`, value: ratio(rpsOf(m), rpsOf(base)), meaning: `${m.target.what}, medians of ${rounds} alternating rounds` },
          { name: `apollo-gateway / ${m.target.name} CPU per request`, value: ratio(cpuPerRequest(base), cpuPerRequest(m)), meaning: 'how many times less CPU a request costs than on Apollo Gateway' },
        ]);
      const seriesOf = (pick: (p: { rps: number; p99: number }) => number): Growth['series'] =>
        measured
          .filter((m) => atSize.has(m.target.name) && m.runs.length > 0)
          .map((m) => ({
            name: m.target.name,
            points: [...(atSize.get(m.target.name) ?? []), { x: CONNECTIONS, rps: median(m.runs.map((x) => x.load.requestsPerSecond)), p99: median(m.runs.map((x) => x.load.latencyMs.p99)) }]
              .sort((a, b) => a.x - b.x)
              .map((p) => ({ x: p.x, y: sig(pick(p)) ?? 0 })),
          }));
      const growth: Growth[] = [
        { id: 'throughput-by-connections', title: 'federated query: req/s by concurrent connections', xLabel: 'connections', yLabel: 'req/s', series: seriesOf((p) => p.rps) },
        { id: 'p99-by-connections', title: 'federated query: p99 latency by concurrent connections', xLabel: 'connections', yLabel: 'p99 ms', series: seriesOf((p) => p.p99), logY: true },
      ];
      const front = measured.find((m) => m.target.name === 'ours-hive-router');
      const direct = measured.find((m) => m.target.name === 'ours-hive-router-direct');
      if (front && direct) {
        ratios.push(
          { name: 'ours-hive-router-direct / ours-hive-router req/s', value: ratio(rpsOf(direct), rpsOf(front)), meaning: 'what the Node policy front hop costs in throughput (1.0: nothing)' },
          { name: 'ours-hive-router / ours-hive-router-direct CPU per request', value: ratio(cpuPerRequest(front), cpuPerRequest(direct)), meaning: 'CPU per request with the front hop over the router alone (front + router process tree)' },
        );
      }
      const notes = [
        `${rounds} round(s) of ${durationS} s per target (after >= ${warmupS} s of one-at-a-time warm-up requests), targets alternating in the order of the table; ${CONNECTIONS} connections (autocannon in a worker thread of the bench process)`,
        `answer: ${measured[0]?.answerBytes ?? 0} bytes; every target's data compared with the first target's ("same answer")`,
        'every target is its own process; the four subgraphs share one more process; load generator, subgraphs and gateway share the machine\'s cores',
        'peak RSS: VmHWM from /proc summed over the target\'s process tree (whole life: start, warm-up, every round); cores: CPU seconds of the tree / wall seconds during a round',
        'ours: production mode, a JWT (HS256) verified on every request, limits on (tokens, depth, aliases, directives, body, cost with maxCost raised to 50,000 for this query, deadline; node engine also field counts); rate limit on with a budget one caller cannot spend (its cost is measured, it never refuses)',
        'ours-hive-router: the Node policy front (JWT verified and cached, rate limit, body/variables size, per-request gateway token, error-code rewrite) then the router; ours-hive-router-direct: a second router started the same way, called on its own port',
        `growth: ${GROWTH_CONNECTIONS.join(' and ')} connections, ${growthS} s each, after the rounds, targets alternating per size; the ${CONNECTIONS}-connection point is the rounds' median`,
        ...chosen.map((t) => `${t.name}: ${t.what}`),
      ];
      ctx.print('');
      ctx.print(textReport({ columns: Object.keys(rows[0] ?? {}), rows, ratios, notes }));
      return { columns: Object.keys(rows[0] ?? {}), rows, ratios, notes, growth };
    } finally {
      for (const r of running.values()) await r.stop();
      await subgraphs.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
