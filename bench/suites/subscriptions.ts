/**
 * Suite `subscriptions`: N graphql-ws subscribers (one socket each, the load generator in two child
 * processes of its own) on one live subscription (regionAggregates of one region), updates driven
 * by events published on the metrics subgraph's PubSub once a second, through our gateway (its own
 * process, production, auth on, fan-out) and through the Hive Gateway CLI (its own process,
 * defaults, subgraph subscriptions over graphql-ws) on the same subgraph. Sizes 1k/10k/20k (quick:
 * 50/300); A B A B rounds, medians. Measured: event -> client latency (p50/p99), the spread
 * between the first and the last subscriber to get an update, whether every socket got every
 * update, upstream subscriptions reaching the subgraph, the gateway's RSS and memory per subscriber.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchAuth } from '../support/auth.ts';
import { textReport } from '../support/report.ts';
import { ms, ratio, sig, sleep } from '../support/stats.ts';
import { startSubscribers, type Merged } from '../support/subscription-load.ts';
import type { Growth, ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { cpuSeconds } from './federation/processes.ts';
import { openFileLimit, REGION, rssMb, startRig, SUBSCRIPTION, type TargetName } from './subscriptions/rig.ts';

const PORT_BASE = Number(process.env['SUBS_PORT_BASE'] ?? 21110);
const TARGETS: readonly TargetName[] = ['ours', 'hive-gateway'];
const LABEL: Record<TargetName, string> = { ours: 'ours (fan-out, auth on)', 'hive-gateway': 'Hive Gateway CLI 2.15.1' };

interface Measured {
  readonly target: TargetName;
  readonly size: number;
  readonly round: number;
  readonly m: Merged;
  readonly updates: number;
  readonly upstreams: number;
  readonly rssBase: number;
  readonly rss: number;
  readonly cores: number;
  readonly warmupS: number;
}

const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const kbPer = (x: Measured): number => ((x.rss - x.rssBase) * 1024) / x.size;

function row(x: Measured, round: string): ResultRow {
  return {
    target: LABEL[x.target], subscribers: x.size, round, connected: x.m.connected, 'upstream subs': x.upstreams, updates: x.updates,
    'all served': `${x.m.servedAll}/${x.size}`, 'p50 ms': ms(x.m.p50), 'p99 ms': ms(x.m.p99), 'max ms': ms(x.m.max),
    'spread p50 ms': ms(x.m.spreadP50), 'spread max ms': ms(x.m.spreadMax), 'RSS idle MB': Math.round(x.rssBase), 'RSS MB': Math.round(x.rss),
    'KB/subscriber': sig(kbPer(x)), 'gateway cores': sig(x.cores, 2), 'warm-up s': sig(x.warmupS, 2),
  };
}

export const subscriptionsSuite: Suite = {
  name: 'subscriptions',
  title: 'live subscriptions at 1k/10k/20k graphql-ws subscribers: ours (fan-out) vs Hive Gateway CLI',
  description:
    'N graphql-ws subscribers, one socket each (load generator in two child processes), on one live regionAggregates subscription; an update published on the metrics subgraph PubSub once a second; through our gateway (own process, production, JWT per socket, fan-out) and the Hive Gateway CLI (own process, defaults) on the same subgraph; A B A B, medians.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const asked = ctx.quick ? [50, 300] : (process.env['SUBS_SIZES'] ?? '1000,10000,20000').split(',').map(Number);
    // every socket is a file descriptor in the gateway process: a size the open-file limit cannot
    // hold is cut to fit, and said (raise it in the shell first: `ulimit -n 65536 && npm run bench -- subscriptions`)
    const limit = openFileLimit();
    const sizes = asked.map((s) => Math.min(s, limit - 500));
    const cut = asked.filter((s, i) => s !== sizes[i]);
    if (cut.length > 0) ctx.print(`  open-file limit ${limit}: ${cut.join(', ')} subscribers cut to ${limit - 500} (run \`ulimit -n 65536\` first where the hard limit allows)`);
    const rounds = Number(process.env['SUBS_ROUNDS'] ?? 2);
    const largest = Math.max(...sizes);
    const holdLargest = ctx.quick ? 5 : Number(process.env['SUBS_HOLD_S'] ?? 120);
    const holdOthers = ctx.quick ? 5 : Number(process.env['SUBS_HOLD_SMALL_S'] ?? 30);
    const eventMs = Number(process.env['SUBS_EVENT_MS'] ?? 1000);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-subs-bench-'));
    const auth = benchAuth();
    const rig = await startRig(dir, auth);
    const all: Measured[] = [];
    let measurement = 0;
    let seq = 0;
    try {
      for (const size of sizes) {
        const holdS = size === largest ? holdLargest : holdOthers;
        for (let round = 1; round <= rounds; round++) {
          for (const target of TARGETS) {
            measurement++;
            const port = PORT_BASE + (measurement % 80);
            ctx.print(`  ${LABEL[target]}: ${size} subscribers, round ${round}, hold ${holdS} s`);
            const gw = await rig.startTarget(target, port);
            try {
              await sleep(1000);
              const rssBase = rssMb(gw.pid);
              // each measurement its own source addresses (TIME_WAIT of the last one never runs out of ports)
              const localAddresses = Array.from({ length: 16 }, (_, i) => `127.${1 + Math.floor(measurement / 250)}.${measurement % 250}.${i + 1}`);
              const t0 = performance.now();
              const subs = await startSubscribers({
                url: gw.url.replace(/^http/, 'ws'), count: size, shards: 2, query: SUBSCRIPTION, variables: { r: REGION },
                ...(target === 'ours' ? { jwtSecret: auth.config.jwtSecret } : {}), localAddresses, concurrency: 100,
              });
              try {
                const connected = (await subs.report(0)).connected;
                // warm-up: updates until every connected socket has one (joins are asynchronous), bounded
                const warmDeadline = performance.now() + 180_000;
                for (;;) {
                  await rig.publish(seq++);
                  await sleep(250);
                  if ((await subs.live()) >= connected || performance.now() > warmDeadline) break;
                }
                const warmupS = (performance.now() - t0) / 1000;
                await sleep(500);
                const upstreams = rig.upstreams();
                await subs.reset(seq);
                const cpu0 = cpuSeconds(gw.pid);
                const h0 = performance.now();
                const events = Math.max(1, Math.round((holdS * 1000) / eventMs));
                for (let e = 0; e < events; e++) {
                  const due = h0 + e * eventMs;
                  const wait = due - performance.now();
                  if (wait > 0) await sleep(wait);
                  await rig.publish(seq++);
                }
                await sleep(Math.max(3000, eventMs));
                const cores = (cpuSeconds(gw.pid) - cpu0) / ((performance.now() - h0) / 1000);
                const rss = rssMb(gw.pid);
                const m = await subs.report(events);
                const x: Measured = { target, size, round, m, updates: events, upstreams, rssBase, rss, cores, warmupS };
                all.push(x);
                ctx.print(`    connected ${m.connected}/${size}, all served ${m.servedAll}, p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms, spread p50 ${ms(m.spreadP50)} ms, RSS ${Math.round(rssBase)} -> ${Math.round(rss)} MB, upstreams ${upstreams}, closes ${JSON.stringify(m.closeCodes)}`);
              } finally {
                await subs.stop();
              }
            } finally {
              await gw.stop();
            }
          }
        }
      }
    } finally {
      await rig.close();
      await rm(dir, { recursive: true, force: true });
    }

    const med = (target: TargetName, size: number, f: (x: Measured) => number): number => median(all.filter((x) => x.target === target && x.size === size).map(f));
    const medianRows: ResultRow[] = [];
    for (const size of sizes) for (const target of TARGETS) {
      const xs = all.filter((x) => x.target === target && x.size === size);
      const first = xs[0];
      if (!first) continue;
      const servedAll = median(xs.map((x) => x.m.servedAll));
      medianRows.push({
        ...row(first, 'median'),
        connected: median(xs.map((x) => x.m.connected)), 'upstream subs': median(xs.map((x) => x.upstreams)), 'all served': `${servedAll}/${size}`,
        'p50 ms': ms(med(target, size, (x) => x.m.p50)), 'p99 ms': ms(med(target, size, (x) => x.m.p99)), 'max ms': ms(med(target, size, (x) => x.m.max)),
        'spread p50 ms': ms(med(target, size, (x) => x.m.spreadP50)), 'spread max ms': ms(med(target, size, (x) => x.m.spreadMax)),
        'RSS idle MB': Math.round(med(target, size, (x) => x.rssBase)), 'RSS MB': Math.round(med(target, size, (x) => x.rss)),
        'KB/subscriber': sig(med(target, size, kbPer)), 'gateway cores': sig(med(target, size, (x) => x.cores), 2), 'warm-up s': sig(med(target, size, (x) => x.warmupS), 2),
      });
    }
    const series = (f: (x: Measured) => number) => TARGETS.map((t) => ({ name: LABEL[t], points: sizes.map((s) => ({ x: s, y: med(t, s, f) })).filter((p) => Number.isFinite(p.y)) }));
    const growth: Growth[] = [
      { id: 'p99', title: 'event -> client p99 latency by subscribers', xLabel: 'subscribers', yLabel: 'p99 ms', series: series((x) => x.m.p99), logX: true },
      { id: 'memory', title: 'gateway memory per subscriber', xLabel: 'subscribers', yLabel: 'KB per subscriber', series: series(kbPer), logX: true },
      { id: 'spread', title: 'first-to-last subscriber spread (median update)', xLabel: 'subscribers', yLabel: 'ms', series: series((x) => x.m.spreadP50), logX: true },
    ];
    const result: SuiteResult = {
      columns: Object.keys(medianRows[0] ?? row(all[0] as Measured, '1')),
      rows: [...medianRows, ...all.map((x) => row(x, String(x.round)))],
      ratios: sizes.flatMap((s) => [
        { name: `hive/ours p99 at ${s}`, value: ratio(med('hive-gateway', s, (x) => x.m.p99), med('ours', s, (x) => x.m.p99)), meaning: `Hive Gateway's event -> client p99 over ours at ${s} subscribers (>1: ours delivers sooner)` },
        { name: `hive/ours spread at ${s}`, value: ratio(med('hive-gateway', s, (x) => x.m.spreadP50), med('ours', s, (x) => x.m.spreadP50)), meaning: 'first-to-last spread of the median update, Hive over ours' },
        { name: `hive/ours memory per subscriber at ${s}`, value: ratio(med('hive-gateway', s, kbPer), med('ours', s, kbPer)), meaning: 'gateway RSS growth per subscriber, Hive over ours (>1: ours holds a subscriber in less memory)' },
        { name: `hive/ours gateway CPU at ${s}`, value: ratio(med('hive-gateway', s, (x) => x.cores), med('ours', s, (x) => x.cores)), meaning: 'gateway cores used while holding, Hive over ours' },
      ]),
      notes: [
        `sizes ${sizes.join(', ')}; ${rounds} round(s), targets alternating ${TARGETS.join(' / ')} (A B A B), each measurement a fresh gateway process; held ${holdLargest} s at ${largest} and ${holdOthers} s below, one update every ${eventMs} ms.`,
        'load: two child processes (bench/support/subscription-load-child.ts), raw `ws` sockets speaking graphql-transport-ws, one subscription per socket, opened 100 at a time per shard; source addresses spread over 127.x.y.1-16 per measurement.',
        'latency: publish instant (performance.timeOrigin + now() in the publishing process, carried in `revenue`) to arrival in the load process, 0.1 ms histogram over every (socket, update); spread: last minus first arrival of one update over every socket.',
        'ours: gateway/server.ts in production, a dashboard JWT per socket (its own principal) checked at connection_init and at subscribe, HMAC-signed subgraph requests, fan-out on; Hive Gateway CLI: defaults, no auth, subgraph subscriptions over graphql-ws (subscriptions/hive-gateway.config.ts).',
        '"upstream subs": live PubSub subscriptions in the metrics subgraph on the region channel once warmed up (one per upstream subscription the gateway opened).',
        'RSS: VmRSS of the gateway process before the sockets and after holding them; KB/subscriber = the difference / subscribers. "gateway cores": CPU seconds / wall seconds while holding.',
        `machine shared: 2 vCPUs, the load generator, the subgraph and the gateway all on them; open-file limit of the run: ${limit}${cut.length > 0 ? ` (asked ${asked.join('/')}, ran ${sizes.join('/')}: each socket is a descriptor of the gateway process)` : ''}.`,
      ],
      growth,
    };
    ctx.print(textReport(result));
    return result;
  },
};
