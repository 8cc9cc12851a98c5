/**
 * The subscriptions bench rig: the metrics subgraph (in this process, memory PubSub, DuckDB in
 * memory) counting its live PubSub subscribers, the events (window updates published on one
 * region's channel, each stamped with its publish instant), and the gateways under test, each in
 * its own process: ours (our-gateway.ts) and the Hive Gateway CLI.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { PubSub } from '../../../connectors/contracts/pub-sub.ts';
import { createDuckDbWarehouse } from '../../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryPubSub } from '../../../connectors/embedded/memory-pub-sub.ts';
import { composeFromSubgraphs } from '../../../gateway/compose.ts';
import { regionWindowsChannel, type WindowMessage } from '../../../schema/live-channels.ts';
import { WAREHOUSE_TABLES } from '../../../schema/tables/warehouse-tables.ts';
import { startMetricsSubgraph } from '../../../subgraphs/metrics/index.ts';
import type { BenchAuth } from '../../support/auth.ts';
import { readyLine, spawnChild, waitForEndpoint, type Child } from '../federation/processes.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
export const REGION = 'msk-center';
export const SUBSCRIPTION = 'subscription Live($r: ID) { regionAggregates(regionId: $r, windowMinutes: 5) { regionId windowStart tripCount revenue isFinal } }';
const T0 = Date.UTC(2025, 0, 6, 8);

export type TargetName = 'ours' | 'hive-gateway';

export interface Rig {
  readonly supergraphSdl: string;
  /** Live PubSub subscribers on the region's channel: upstream subscriptions reaching the subgraph. */
  upstreams(): number;
  /** Publishes update `seq`, stamped with now (epoch ms) in `revenue`. */
  publish(seq: number): Promise<void>;
  startTarget(name: TargetName, port: number): Promise<Child & { readonly url: string }>;
  close(): Promise<void>;
}

/** Open file descriptors this process may hold (soft limit), from /proc. */
export function openFileLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m?.[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m?.[1] ?? 1024);
}

function counting(inner: PubSub, channel: string): { pubsub: PubSub; live: () => number } {
  let live = 0;
  const pubsub: PubSub = {
    kind: inner.kind,
    capability: inner.capability,
    features: inner.features,
    start: () => inner.start(),
    health: () => inner.health(),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
    publish: (c, m) => inner.publish(c, m),
    async subscribe(c, onMessage) {
      const unsubscribe = await inner.subscribe(c, onMessage);
      if (c !== channel) return unsubscribe;
      live++;
      let done = false;
      return async () => {
        if (!done) live--;
        done = true;
        await unsubscribe();
      };
    },
  };
  return { pubsub, live: () => live };
}

export async function startRig(dir: string, auth: BenchAuth): Promise<Rig> {
  const logger = pino({ level: 'silent' });
  const channel = regionWindowsChannel(5, REGION);
  const inner = createMemoryPubSub({}, { logger, metrics: new Registry() });
  const { pubsub, live } = counting(inner, channel);
  await pubsub.start();
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, { logger, metrics: new Registry() });
  await warehouse.start();
  await warehouse.ensureTables(WAREHOUSE_TABLES);
  // signed requests (ours) are checked, unsigned ones (the peer cannot sign) accepted
  const subgraph = await startMetricsSubgraph({ warehouse, pubsub, logger, port: 0, signature: { secret: auth.config.hmacSecret, required: false } });
  const supergraphSdl = await composeFromSubgraphs([{ name: 'metrics', url: subgraph.url }], { logger, hmacSecret: auth.config.hmacSecret });
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  await writeFile(supergraphPath, supergraphSdl);
  const node = process.execPath;

  return {
    supergraphSdl,
    upstreams: live,
    async publish(seq) {
      const w: WindowMessage = {
        regionId: REGION, windowMinutes: 5, windowStart: T0 + seq * 300_000, windowEnd: T0 + (seq + 1) * 300_000,
        tripCount: seq, completedCount: 1, cancelledCount: 0, cancellationRate: 0, avgPrice: 300, revenue: performance.timeOrigin + performance.now(), isFinal: false,
      };
      await pubsub.publish(channel, w);
    },
    async startTarget(name, port) {
      let c: Child;
      if (name === 'ours') {
        const file = path.join(dir, `ours-${port}.json`);
        await writeFile(file, JSON.stringify({ supergraphSdl, port, auth: auth.config, fanOut: true }));
        c = spawnChild(node, [path.join(HERE, 'our-gateway.ts'), file]);
        await readyLine(c, 60_000);
      } else {
        const bin = path.join(ROOT, 'node_modules/@graphql-hive/gateway/dist/bin.js');
        c = spawnChild(node, [bin, 'supergraph', supergraphPath, '--config-path', path.join(HERE, 'hive-gateway.config.ts'), '--port', String(port), '--host', '127.0.0.1'], { NODE_ENV: 'production', LOG_LEVEL: 'error', SUBS_SUPERGRAPH: supergraphPath });
      }
      const url = `http://127.0.0.1:${port}/graphql`;
      await waitForEndpoint(url, c, 60_000, name === 'ours' ? await auth.headers('dashboard') : {});
      return Object.assign(c, { url });
    },
    async close() {
      await subgraph.close();
      await pubsub.close();
      await warehouse.close();
    },
  };
}

/** Resident memory (VmRSS) of one process, MB. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}
