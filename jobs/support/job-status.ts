/**
 * Periodically upserts each job's status into the warehouse `job_status` table, which the metrics
 * subgraph serves (Query.jobs). One row per job name:
 * - state: what the job says while it runs (running / failed); `stopped` once the reporter is
 *   stopped (the process stops its jobs first, then the reporter writes the stop). A process that
 *   dies without stopping leaves `running` behind: the reader derives `stale` from the age of
 *   updated_at (the heartbeat), see subgraphs/metrics.
 * - updated_at: time of the write (the heartbeat while running, the stop time once stopped).
 * - processed / dead_lettered: totals since the job first ran, over every process: on its first
 *   write a reporter reads the stored totals of its jobs and adds its own process's counters to
 *   them, so a restart continues instead of starting at 0. (A crash loses what was counted since
 *   the last heartbeat; one process per job name is the model: two processes running the same job
 *   would overwrite each other's row.)
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { gaugeOf } from '../../connectors/support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { JOB_STATUS } from '../../schema/tables/warehouse-tables.ts';
import { errorMessage } from '../../schema/errors.ts';

export type JobState = 'running' | 'stopped' | 'failed';

export interface JobStatusSource {
  readonly name: string;
  readonly state: () => JobState;
  readonly stats: () => { processed: number; deadLettered: number };
  readonly lastError?: () => string | null;
}

export interface JobStatusReporter {
  /** Writes one snapshot now. */
  flush(): Promise<void>;
  /** Stops the heartbeat and records every job that is not failed as `stopped`. */
  stop(): Promise<void>;
}

interface Totals { readonly processed: number; readonly deadLettered: number }

async function storedTotals(warehouse: Warehouse, jobs: readonly string[], logger: Logger): Promise<Map<string, Totals>> {
  const out = new Map<string, Totals>();
  if (jobs.length === 0) return out;
  try {
    const rows = await warehouse.query(`SELECT job, processed, dead_lettered FROM ${JOB_STATUS.name} WHERE job IN ({jobs})`, { jobs: [...jobs] });
    for (const r of rows) out.set(String(r.job), { processed: Number(r.processed) || 0, deadLettered: Number(r.dead_lettered) || 0 });
  } catch (e) {
    logger.warn({ err: errorMessage(e) }, 'stored job totals unreadable; counting from 0');
  }
  return out;
}

const STATES: readonly JobState[] = ['running', 'stopped', 'failed'];

/** `gofuture_job_status{job,state}` (1 for the current state) and the heartbeat time, per job. */
function exportStatus(metrics: Registry, rows: readonly { job: string; state: string; updated_at: number }[]): void {
  const status = gaugeOf(metrics, METRICS.jobStatus);
  const heartbeat = gaugeOf(metrics, METRICS.jobHeartbeat);
  for (const r of rows) {
    for (const st of STATES) status.set({ job: r.job, state: st }, st === r.state ? 1 : 0);
    heartbeat.set({ job: r.job }, r.updated_at / 1000);
  }
}

export function startJobStatusReporter(o: { warehouse: Warehouse; sources: readonly JobStatusSource[]; intervalMs: number; logger: Logger; metrics?: Registry }): JobStatusReporter {
  let version = Date.now();
  let inFlight: Promise<void> = Promise.resolve();
  let bases: Promise<Map<string, Totals>> | null = null;
  const write = async (stopping: boolean): Promise<void> => {
    bases ??= storedTotals(o.warehouse, o.sources.map((s) => s.name), o.logger);
    const base = await bases;
    const now = Date.now();
    version = Math.max(version + 1, now);
    const rows = o.sources.map((s) => {
      const st = s.stats();
      const b = base.get(s.name) ?? { processed: 0, deadLettered: 0 };
      const state = s.state();
      return {
        job: s.name, state: stopping && state === 'running' ? 'stopped' : state,
        processed: b.processed + st.processed, dead_lettered: b.deadLettered + st.deadLettered,
        last_error: s.lastError?.() ?? null, updated_at: now, version,
      };
    });
    if (o.metrics) exportStatus(o.metrics, rows);
    const r = await o.warehouse.insert(JOB_STATUS.name, rows);
    if (r.rejected.length > 0) o.logger.warn({ rejected: r.rejected.map((x) => x.reason) }, 'job status rows rejected');
  };
  const enqueue = (stopping: boolean): Promise<void> => {
    inFlight = inFlight.then(() => write(stopping)).catch((e: unknown) => o.logger.warn({ err: errorMessage(e) }, 'job status write failed'));
    return inFlight;
  };
  const timer = setInterval(() => void enqueue(false), o.intervalMs);
  timer.unref();
  let stopped: Promise<void> | null = null;
  return {
    flush: () => stopped ?? enqueue(false),
    stop: () => {
      clearInterval(timer);
      return (stopped ??= enqueue(true));
    },
  };
}
