/**
 * A small simulated lake, built in process the way the platform builds it: the simulator publishes
 * to the in-process event log, the bronze job lands every topic in Delta tables, and daily_etl (the
 * real DAG on the local task queue, the SQL models on the lake backend, a DuckDB warehouse) builds
 * silver and gold for each simulated date, oldest first. Optionally the streaming feature job reads
 * the same log into an online store, and daily_etl's features task materialises into it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { consumerLag } from '../../../connectors/contracts/event-log.ts';
import type { OnlineStore } from '../../../connectors/contracts/online-store.ts';
import { createDuckDbWarehouse } from '../../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryEventLog, type MemoryEventLog } from '../../../connectors/embedded/index.ts';
import { LocalTaskQueue } from '../../../connectors/queue/index.ts';
import { materializeForDate, type ViewMaterialization } from '../../../jobs/features/materialize.ts';
import { lakeOfflineSource, type OfflineSource } from '../../../jobs/features/offline/index.ts';
import { REALTIME_FEATURES, startFeatureJob } from '../../../jobs/features/realtime-features.ts';
import { startBronzeJob } from '../../../jobs/lake/bronze-job.ts';
import { bronzeTopics } from '../../../jobs/lake/bronze-tables.ts';
import { commitQuery, resolveRelation } from '../../../jobs/lake/delta/index.ts';
import { LakeModelBackend } from '../../../jobs/models-sql/lake-backend.ts';
import { createPipeline } from '../../../jobs/orchestrator/index.ts';
import { createSimulator } from '../../../jobs/simulator/index.ts';
import { ALL_TOPICS } from '../../../schema/events/topics.ts';
import { waitFor } from '../../conformance/helpers.ts';
import { lakeFixture, type LakeFixture } from '../lake/lake-fixture.ts';

const MODELS = join(import.meta.dirname, '..', '..', '..', 'lake', 'models');

export interface SimulatedLake {
  readonly fx: LakeFixture;
  readonly log: MemoryEventLog;
  readonly source: OfflineSource;
  readonly dates: readonly string[];
  /** End of the simulated time (epoch ms): the pinned "now" of every job. */
  readonly end: number;
  /** daily_etl's state per date. */
  readonly runs: readonly { date: string; state: string; tasks: readonly string[] }[];
  /** What daily_etl's features task materialised, per date (empty without an online store). */
  readonly materialized: readonly ViewMaterialization[][];
  readonly stateDir: string;
  close(): Promise<void>;
}

export interface SimulatedLakeOptions {
  readonly startTime: number;
  readonly minutes: number;
  readonly seed?: number;
  readonly ratePerSecond?: number;
  /** Streaming job + daily_etl materialisation into this store. */
  readonly onlineStore?: OnlineStore;
}

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export async function simulatedLake(o: SimulatedLakeOptions): Promise<SimulatedLake> {
  const logger = pino({ level: 'silent' });
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const end = o.startTime + o.minutes * 60_000;
  const now = (): number => end;
  const fx = await lakeFixture();
  const stateDir = await mkdtemp(join(tmpdir(), 'gofuture-features-state-'));
  const log = createMemoryEventLog({ maxRecordsPerPartition: 10_000_000 }, ctx);
  await log.start();
  await log.ensureTopics(ALL_TOPICS);
  const sim = createSimulator({ log, logger, metrics, seed: o.seed ?? 11, startTime: o.startTime, ratePerSecond: o.ratePerSecond ?? 0.3, driversPerRegion: 4, riders: 300, locationIntervalMs: 600_000, lateShare: 0.02 });
  await sim.runFor(o.minutes * 60_000);
  await sim.stop();

  const features = o.onlineStore ? await startFeatureJob({ log, onlineStore: o.onlineStore, logger, metrics, now }) : null;
  const topics = bronzeTopics().filter((t) => ALL_TOPICS.some((a) => a.name === t));
  const bronze = await startBronzeJob({ log, lake: fx.lake, logger, metrics, topics, flushMs: 50, now });
  const caughtUp = async (group: string, names: readonly string[]): Promise<boolean> => {
    for (const t of names) if ((await consumerLag(log, group, t)) > 0) return false;
    return true;
  };
  await waitFor('bronze to land every topic', () => caughtUp('lake-bronze', topics), { timeoutMs: 120_000 });
  await bronze.flush();
  await bronze.stop();
  if (features) await waitFor('the streaming feature job to catch up', () => caughtUp(REALTIME_FEATURES.groupId, REALTIME_FEATURES.topics), { timeoutMs: 120_000 });
  await features?.stop();

  const source = lakeOfflineSource(fx.lake, fx.conn);
  const materialized: ViewMaterialization[][] = [];
  const queue = new LocalTaskQueue({ maxHistory: 5000 }, ctx);
  const warehouse = createDuckDbWarehouse({ path: ':memory:' }, ctx);
  for (const c of [queue, warehouse]) await c.start();
  const backend = new LakeModelBackend({ lake: fx.lake, api: { resolveRelation, commitQuery }, conn: fx.conn });
  const store = o.onlineStore;
  const pipeline = await createPipeline({ modelsDir: MODELS, workerConcurrency: 1 }, {
    queue, backend, warehouse, logger, metrics,
    ...(store ? { materializeFeatures: async (d: string) => void materialized.push(await materializeForDate({ source, store, stateDir, now, logger }, d)) } : {}),
  });
  await pipeline.startWorker();
  const dates: string[] = [];
  for (let d = dateOf(o.startTime); d <= dateOf(end); d = dateOf(Date.parse(`${d}T00:00:00Z`) + 86_400_000)) dates.push(d);
  const runs: { date: string; state: string; tasks: string[] }[] = [];
  for (const d of dates) {
    await pipeline.orchestrator.trigger('daily_etl', d);
    const s = await pipeline.orchestrator.waitFor('daily_etl', d);
    runs.push({ date: d, state: s.state, tasks: s.tasks.map((t) => `${t.task}:${t.state}`) });
  }
  await pipeline.stop();
  for (const c of [queue, warehouse]) await c.close();
  return {
    fx, log, source, dates, end, runs, materialized, stateDir,
    close: async () => {
      await log.close();
      await fx.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
