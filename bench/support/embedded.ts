/**
 * The embedded platform of `npm start` (gateway + five subgraphs over DuckDB, the in-process event
 * log, the in-memory online store and ONNX) on free ports in a temp dir, loaded with a fixed data
 * set: the simulator runs `hours` of simulated time from DATA_START as fast as it can (fixed seed) and the landing
 * jobs land it in DuckDB. Nothing produces while the suite measures: every run reads the same rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { consumerLag } from '../../connectors/contracts/event-log.ts';
import { DRIVERS_LANDING, PAYMENTS_LANDING, TRIPS_LANDING } from '../../jobs/landing/index.ts';
import { createSimulator } from '../../jobs/simulator/index.ts';
import { benchAuth, type BenchAuth } from './auth.ts';
import { waitUntil } from './stats.ts';

export interface LoadedPlatform {
  readonly platform: RunningPlatform;
  /** Auth is on (production): the secrets the platform runs with and tokens minted with them. */
  readonly auth: BenchAuth;
  /** Rows landed (trips, payments) and events simulated. */
  readonly dataset: { readonly trips: number; readonly payments: number; readonly events: number; readonly seconds: number };
  stop(): Promise<void>;
}

export interface LoadedPlatformOptions {
  readonly logger: Logger;
  /** Simulated hours of data from DATA_START; 0 for no data. */
  readonly hours: number;
  readonly ratePerSecond?: number;
  readonly seed?: number;
  /** The online store connector (default the embedded in-memory one), e.g. `{ kind: 'redis', url }`. */
  readonly onlineStore?: Readonly<Record<string, unknown>>;
  /** The model runtime connector (default the platform's onnx one), e.g. `{ kind: 'onnx', batchWindowMs: 0 }`. */
  readonly modelRuntime?: Readonly<Record<string, unknown>>;
}

/** Where the simulated data starts: a fixed instant (Monday 2025-01-06 08:00 UTC), so every run loads the same rows. */
export const DATA_START = Date.UTC(2025, 0, 6, 8);

const LANDING_GROUPS = [TRIPS_LANDING, PAYMENTS_LANDING, DRIVERS_LANDING];

export async function startLoadedPlatform(o: LoadedPlatformOptions): Promise<LoadedPlatform> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-bench-'));
  const auth = benchAuth();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      logLevel: 'silent',
      production: true,
      // one load generator is one caller: a rate limit would only measure itself; auth on, as in
      // production (which refuses to start without it, ADR 0005)
      gateway: { port: 0, planner: 'js', limits: { rateLimit: { enabled: false } }, auth: { ...auth.config } },
      subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
      connectors: {
        // memory only, and enough retention that the landing jobs never lose a record to it
        eventLog: { kind: 'memory', maxRecordsPerPartition: 5_000_000 },
        warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') },
        ...(o.onlineStore ? { onlineStore: { ...o.onlineStore } } : {}),
        ...(o.modelRuntime ? { modelRuntime: { ...o.modelRuntime } } : {}),
      },
      jobs: o.hours > 0 ? ['landing'] : [],
    },
  });
  const started = performance.now();
  let platform: RunningPlatform;
  try {
    platform = await startPlatform(config, o.logger, new Registry());
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const stop = async (): Promise<void> => {
    await platform.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let events = 0;
    if (o.hours > 0) {
      const log = platform.connectors.eventLog;
      const spanMs = Math.round(o.hours * 3_600_000);
      const sim = createSimulator({
        log,
        logger: o.logger,
        metrics: new Registry(),
        seed: o.seed ?? 2024,
        startTime: DATA_START,
        ratePerSecond: o.ratePerSecond ?? 1,
        driversPerRegion: 20,
        // driver pings every 10 simulated minutes: the data set is trips and payments, not GPS noise
        locationIntervalMs: 600_000,
        lateShare: 0,
      });
      await sim.runFor(spanMs);
      await sim.stop();
      events = sim.stats().published;
      await waitUntil('the landing jobs to land every simulated event', 120_000, async () => {
        for (const g of LANDING_GROUPS) for (const t of g.topics) if ((await consumerLag(log, g.groupId, t)) > 0) return false;
        return true;
      }, 100);
    }
    const count = async (table: string): Promise<number> => Number((await platform.connectors.warehouse.query(`SELECT count() AS n FROM ${table}`))[0]?.['n'] ?? 0);
    return {
      platform,
      auth,
      dataset: { trips: await count('trips'), payments: await count('payments'), events, seconds: (performance.now() - started) / 1000 },
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
