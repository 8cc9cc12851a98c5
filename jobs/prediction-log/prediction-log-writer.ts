/**
 * The prediction log writer: a PredictionSink that buffers records in memory and appends them to
 * the lake table `ml.prediction_log` (Delta, via appendRows) in batches, on a timer, when a batch is
 * full, and at stop. write() never waits and never throws: the request path only pushes into the
 * buffer. The buffer is bounded; when the lake is down the rows wait in it (kept for the next try),
 * and past `maxBuffered` new rows are dropped and counted (`gofuture_prediction_log_dropped_total`).
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { errorMessage } from '../../schema/errors.ts';
import {
  PREDICTION_LOG_COLUMNS, PREDICTION_LOG_PARTITION_BY, PREDICTION_LOG_TABLE, predictionLogRow,
  type PredictionRecord, type PredictionSink,
} from '../../schema/ml/prediction-log.ts';
import { appendRows, type LakeTables } from '../lake/delta/index.ts';

export interface PredictionLogOptions {
  readonly lake: LakeTables;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Flush interval in ms. */
  readonly flushMs?: number;
  /** Rows that trigger a flush before the timer, and the most one commit takes. */
  readonly batchRows?: number;
  /** Rows kept at most while the lake is slow or down; beyond them rows are dropped and counted. */
  readonly maxBuffered?: number;
  readonly table?: string;
}

export interface PredictionLogStats {
  readonly buffered: number;
  readonly written: number;
  readonly dropped: number;
  readonly failedFlushes: number;
  readonly commits: number;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export class PredictionLogWriter implements PredictionSink {
  readonly #o: Required<Omit<PredictionLogOptions, 'lake' | 'logger' | 'metrics'>> & PredictionLogOptions;
  readonly #log: Logger;
  #buffer: PredictionRecord[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #stopped = false;
  #stats = { written: 0, dropped: 0, failedFlushes: 0, commits: 0 };
  readonly #m;

  constructor(o: PredictionLogOptions) {
    this.#o = { flushMs: 1000, batchRows: 500, maxBuffered: 20_000, table: PREDICTION_LOG_TABLE, ...o };
    this.#log = o.logger.child({ job: 'prediction-log' });
    const r = o.metrics;
    this.#m = {
      written: metric(r, 'gofuture_prediction_log_rows_total', () => new Counter({ name: 'gofuture_prediction_log_rows_total', help: 'Prediction log rows committed to the lake', registers: [r] })),
      dropped: metric(r, 'gofuture_prediction_log_dropped_total', () => new Counter({ name: 'gofuture_prediction_log_dropped_total', help: 'Prediction log rows dropped because the buffer was full (lake slow or down)', registers: [r] })),
      failures: metric(r, 'gofuture_prediction_log_flush_failures_total', () => new Counter({ name: 'gofuture_prediction_log_flush_failures_total', help: 'Prediction log flushes that failed (rows kept for the next one)', registers: [r] })),
      buffered: metric(r, 'gofuture_prediction_log_buffered', () => new Gauge({ name: 'gofuture_prediction_log_buffered', help: 'Prediction log rows waiting for the lake', registers: [r] })),
    };
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.flush(), this.#o.flushMs);
    this.#timer.unref();
  }

  write(records: readonly PredictionRecord[]): void {
    if (records.length === 0) return;
    const room = this.#stopped ? 0 : Math.max(0, this.#o.maxBuffered - this.#buffer.length);
    const take = Math.min(room, records.length);
    if (take > 0) this.#buffer.push(...(take === records.length ? records : records.slice(0, take)));
    const dropped = records.length - take;
    if (dropped > 0) {
      this.#stats.dropped += dropped;
      this.#m.dropped.inc(dropped);
    }
    this.#m.buffered.set(this.#buffer.length);
    if (this.#buffer.length >= this.#o.batchRows && !this.#flushing) setImmediate(() => void this.flush());
  }

  /** Commits what is buffered (in batches of batchRows); one flush at a time, concurrent calls share it. Never rejects. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  /** Stops the timer, flushes what is buffered (one try), and refuses (counts as dropped) later writes. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
    this.#stopped = true;
    if (this.#buffer.length > 0) this.#log.warn({ rows: this.#buffer.length }, 'prediction log rows not written at stop (lake unavailable)');
  }

  stats(): PredictionLogStats {
    return { ...this.#stats, buffered: this.#buffer.length };
  }

  async #flushAll(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#o.batchRows);
      try {
        await appendRows(this.#o.lake, this.#o.table, batch.map(predictionLogRow), { columns: PREDICTION_LOG_COLUMNS, partitionBy: PREDICTION_LOG_PARTITION_BY });
      } catch (e) {
        // the rows stay in front of the buffer for the next flush
        this.#stats.failedFlushes++;
        this.#m.failures.inc();
        this.#log.warn({ err: errorMessage(e), rows: this.#buffer.length }, 'prediction log flush failed; rows kept');
        return;
      }
      this.#buffer.splice(0, batch.length);
      this.#stats.written += batch.length;
      this.#stats.commits++;
      this.#m.written.inc(batch.length);
      this.#m.buffered.set(this.#buffer.length);
    }
  }
}
