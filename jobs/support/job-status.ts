/**
 * Periodically upserts each running job's counters into the warehouse `job_status` table, which the
 * metrics subgraph serves (Query.jobs).
 */
import type { Logger } from 'pino';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { JOB_STATUS } from '../../schema/tables/warehouse-tables.ts';
import { errorMessage } from '../../schema/errors.ts';

export interface JobStatusSource {
  readonly name: string;
  readonly state: () => 'running' | 'stopped' | 'failed';
  readonly stats: () => { processed: number; deadLettered: number };
  readonly lastError?: () => string | null;
}

export interface JobStatusReporter {
  /** Writes one snapshot now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function startJobStatusReporter(o: { warehouse: Warehouse; sources: readonly JobStatusSource[]; intervalMs: number; logger: Logger }): JobStatusReporter {
  let version = Date.now();
  let inFlight: Promise<void> = Promise.resolve();
  const write = async (): Promise<void> => {
    const now = Date.now();
    version = Math.max(version + 1, now);
    const rows = o.sources.map((s) => {
      const st = s.stats();
      return {
        job: s.name, state: s.state(), processed: st.processed, dead_lettered: st.deadLettered,
        last_error: s.lastError?.() ?? null, updated_at: now, version,
      };
    });
    const r = await o.warehouse.insert(JOB_STATUS.name, rows);
    if (r.rejected.length > 0) o.logger.warn({ rejected: r.rejected.map((x) => x.reason) }, 'job status rows rejected');
  };
  const flush = (): Promise<void> => {
    inFlight = inFlight.then(write).catch((e: unknown) => o.logger.warn({ err: errorMessage(e) }, 'job status write failed'));
    return inFlight;
  };
  const timer = setInterval(() => void flush(), o.intervalMs);
  timer.unref();
  return {
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
