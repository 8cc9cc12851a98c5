/**
 * TaskQueue on PostgreSQL (services profile): pg-boss carries the jobs (claim with SKIP LOCKED,
 * retries with exponential backoff, heartbeats), a table of ours (`<table>`) is the run history and
 * the idempotency key (dag, task, logical_date). The run row and its pg-boss job are inserted in one
 * transaction, so a run is never queued without its job. Several processes share the queue; a job of
 * a worker killed with kill -9 stops heart-beating and pg-boss hands it to another worker as a retry.
 */
import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import { isNonRetryable, taskId, type RunFilter, type TaskKey, type TaskPolicy, type TaskQueue, type TaskRun, type TaskState, type WorkerHandle, type WorkOptions } from '../contracts/task-queue.ts';

export const pgBossTaskQueueConfigSchema = z.object({
  url: z.string().min(1),
  /** pg-boss's schema. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('pgboss'),
  /** Our run-history table. */
  table: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('gofuture_task_runs'),
  queue: z.string().min(1).default('gofuture-tasks'),
  /** A worker that misses heartbeats this long is presumed dead; its job is retried elsewhere (>= 10). */
  heartbeatSeconds: z.number().int().min(10).default(10),
  /** How often pg-boss looks for lapsed heartbeats and expired jobs. */
  superviseIntervalSeconds: z.number().int().min(1).default(5),
  pollingIntervalSeconds: z.number().min(0.5).default(1),
}).strict();

export type PgBossTaskQueueConfig = z.output<typeof pgBossTaskQueueConfigSchema>;

interface JobData extends TaskKey {
  readonly policy: TaskPolicy;
}

interface RunRow {
  dag: string;
  task: string;
  logical_date: string;
  state: TaskState;
  attempts: number;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  worker: string | null;
}

const toRun = (r: RunRow): TaskRun => ({
  dag: r.dag, task: r.task, logicalDate: r.logical_date, state: r.state, attempts: r.attempts,
  queuedAt: Number(r.queued_at), startedAt: r.started_at === null ? null : Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at), error: r.error, worker: r.worker,
});

export class PgBossTaskQueue implements TaskQueue {
  readonly capability = 'taskQueue' as const;
  readonly kind = 'pg-boss';
  readonly features: ReadonlySet<string> = new Set<string>(['multiProcess']);
  readonly #config: PgBossTaskQueueConfig;
  readonly #log: Logger;
  #pool: pg.Pool | null = null;
  #boss: PgBoss | null = null;
  #starting: Promise<void> | null = null;
  readonly #workers = new Set<string>();

  constructor(config: PgBossTaskQueueConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'taskQueue/pg-boss' });
  }

  start(): Promise<void> {
    this.#starting ??= this.#open().catch((e: unknown) => {
      this.#starting = null;
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `taskQueue/pg-boss cannot start on ${this.#config.url}: ${errorMessage(e)}`, {}, { cause: e });
    });
    return this.#starting;
  }

  async #open(): Promise<void> {
    const c = this.#config;
    const pool = new pg.Pool({ connectionString: c.url, max: 4 });
    pool.on('error', (e) => this.#log.warn({ err: e.message }, 'pg pool error'));
    this.#pool = pool;
    await pool.query(`CREATE TABLE IF NOT EXISTS ${c.table} (
      dag text NOT NULL, task text NOT NULL, logical_date text NOT NULL, state text NOT NULL,
      attempts int NOT NULL DEFAULT 0, queued_at bigint NOT NULL, started_at bigint, finished_at bigint,
      error text, worker text, PRIMARY KEY (dag, task, logical_date))`);
    const boss = new PgBoss({ connectionString: c.url, schema: c.schema, superviseIntervalSeconds: c.superviseIntervalSeconds, monitorIntervalSeconds: c.superviseIntervalSeconds, max: 4 });
    boss.on('error', (e: Error) => this.#log.warn({ err: e.message }, 'pg-boss error'));
    await boss.start();
    await boss.createQueue(c.queue).catch((e: unknown) => {
      if (!/exists/i.test(errorMessage(e))) throw e;
    });
    this.#boss = boss;
  }

  #require(): { pool: pg.Pool; boss: PgBoss } {
    if (!this.#pool || !this.#boss) throw new PlatformError('CONNECTOR_NOT_STARTED', 'taskQueue/pg-boss is not started');
    return { pool: this.#pool, boss: this.#boss };
  }

  async health(): Promise<HealthReport> {
    if (!this.#pool) return { ok: false, detail: 'not started' };
    try {
      await this.#pool.query('SELECT 1');
      return { ok: true, detail: 'ok' };
    } catch (e) {
      return { ok: false, detail: errorMessage(e) };
    }
  }

  async enqueue(key: TaskKey, policy: TaskPolicy, options: { readonly rerunFailed?: boolean } = {}): Promise<boolean> {
    const { pool, boss } = this.#require();
    const t = this.#config.table;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const now = Date.now();
      const conflict = options.rerunFailed
        ? `DO UPDATE SET state = 'queued', attempts = 0, queued_at = EXCLUDED.queued_at, started_at = NULL, finished_at = NULL, error = NULL, worker = NULL WHERE ${t}.state IN ('failed', 'skipped')`
        : 'DO NOTHING';
      const r = await client.query(`INSERT INTO ${t} (dag, task, logical_date, state, attempts, queued_at) VALUES ($1, $2, $3, 'queued', 0, $4) ON CONFLICT (dag, task, logical_date) ${conflict} RETURNING dag`, [key.dag, key.task, key.logicalDate, now]);
      if (r.rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      const delaySeconds = Math.ceil(policy.retryDelayMs / 1000);
      const data: JobData = { dag: key.dag, task: key.task, logicalDate: key.logicalDate, policy };
      await boss.send(this.#config.queue, data, {
        retryLimit: policy.retries,
        retryDelay: delaySeconds,
        retryBackoff: delaySeconds > 0,
        expireInSeconds: Math.ceil(policy.timeoutMs / 1000) + 5,
        heartbeatSeconds: this.#config.heartbeatSeconds,
        db: { executeSql: async (text: string, values?: unknown[]) => ({ rows: (await client.query(text, values)).rows as unknown[] }) },
      });
      await client.query('COMMIT');
      return true;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async skip(keys: readonly TaskKey[], reason: string): Promise<void> {
    const { pool } = this.#require();
    const now = Date.now();
    for (const k of keys) {
      await pool.query(`INSERT INTO ${this.#config.table} (dag, task, logical_date, state, attempts, queued_at, finished_at, error) VALUES ($1, $2, $3, 'skipped', 0, $4, $4, $5) ON CONFLICT DO NOTHING`, [k.dag, k.task, k.logicalDate, now, reason]);
    }
  }

  async reset(keys: readonly TaskKey[]): Promise<void> {
    const { pool } = this.#require();
    for (const k of keys) {
      await pool.query(`DELETE FROM ${this.#config.table} WHERE dag = $1 AND task = $2 AND logical_date = $3 AND state IN ('succeeded', 'failed', 'skipped')`, [k.dag, k.task, k.logicalDate]);
    }
  }

  async #setState(key: TaskKey, state: TaskState, fields: { attempts?: number; worker?: string; error?: string | null; started?: boolean; finished?: boolean }): Promise<TaskRun | null> {
    const { pool } = this.#require();
    const now = Date.now();
    const r = await pool.query<RunRow>(
      `UPDATE ${this.#config.table} SET state = $4, attempts = COALESCE($5, attempts), worker = COALESCE($6, worker),
         error = CASE WHEN $7::boolean THEN $8 ELSE error END,
         started_at = CASE WHEN $9::boolean THEN $10 ELSE started_at END,
         finished_at = CASE WHEN $11::boolean THEN $10 ELSE finished_at END
       WHERE dag = $1 AND task = $2 AND logical_date = $3 RETURNING *`,
      [key.dag, key.task, key.logicalDate, state, fields.attempts ?? null, fields.worker ?? null, fields.error !== undefined, fields.error ?? null, fields.started === true, now, fields.finished === true],
    );
    const row = r.rows[0];
    return row ? toRun(row) : null;
  }

  async work(options: WorkOptions): Promise<WorkerHandle> {
    const { boss } = this.#require();
    const workerName = `pg-${process.pid}-${randomUUID().slice(0, 6)}`;
    const id = await boss.work<JobData>(this.#config.queue, { localConcurrency: options.concurrency, batchSize: 1, pollingIntervalSeconds: this.#config.pollingIntervalSeconds }, async (jobs) => {
      for (const job of jobs) await this.#runJob(job.data, job.retryCount + 1, job.signal, workerName, options);
    });
    this.#workers.add(id);
    return {
      id: workerName,
      stop: async () => {
        this.#workers.delete(id);
        await boss.offWork(this.#config.queue, { id, wait: true });
      },
    };
  }

  async #runJob(data: JobData, attempt: number, jobSignal: AbortSignal, workerName: string, options: WorkOptions): Promise<void> {
    const key: TaskKey = { dag: data.dag, task: data.task, logicalDate: data.logicalDate };
    const policy = data.policy;
    await this.#setState(key, 'running', { attempts: attempt, worker: workerName, started: true });
    const controller = new AbortController();
    const onJobAbort = (): void => controller.abort(jobSignal.reason);
    jobSignal.addEventListener('abort', onJobAbort, { once: true });
    let timer: NodeJS.Timeout | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`task ${taskId(key)} timed out after ${policy.timeoutMs} ms`));
        controller.abort(new Error(`timed out after ${policy.timeoutMs} ms`));
      }, policy.timeoutMs);
    });
    let failure: unknown = null;
    try {
      await Promise.race([options.handler({ ...key, attempt, signal: controller.signal }), timeout]);
    } catch (e) {
      failure = e;
    } finally {
      if (timer) clearTimeout(timer);
      jobSignal.removeEventListener('abort', onJobAbort);
    }
    if (failure === null) {
      const run = await this.#setState(key, 'succeeded', { error: null, finished: true });
      if (run && options.onSettled) await options.onSettled(run).catch((e: unknown) => this.#log.error({ err: errorMessage(e) }, 'onSettled failed'));
      return;
    }
    const message = errorMessage(failure);
    if (attempt <= policy.retries && !isNonRetryable(failure)) {
      await this.#setState(key, 'retrying', { error: message });
      throw failure instanceof Error ? failure : new Error(message); // pg-boss retries it with backoff
    }
    const run = await this.#setState(key, 'failed', { error: message, finished: true });
    if (run && options.onSettled) await options.onSettled(run).catch((e: unknown) => this.#log.error({ err: errorMessage(e) }, 'onSettled failed'));
    // the run is settled in our table; the pg-boss job completes so it is not retried
  }

  async runs(filter: RunFilter = {}): Promise<TaskRun[]> {
    const { pool } = this.#require();
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of [['dag', filter.dag], ['task', filter.task], ['logical_date', filter.logicalDate]] as const) {
      if (v !== undefined) {
        params.push(v);
        where.push(`${col} = $${params.length}`);
      }
    }
    const limit = filter.last !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.last))}` : '';
    const r = await pool.query<RunRow>(`SELECT * FROM ${this.#config.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY queued_at DESC, dag, task${limit}`, params);
    return r.rows.map(toRun);
  }

  async close(): Promise<void> {
    const boss = this.#boss;
    const pool = this.#pool;
    this.#boss = null;
    this.#pool = null;
    this.#starting = null;
    if (boss) await boss.stop({ graceful: true, timeout: 10_000 }).catch((e: unknown) => this.#log.warn({ err: errorMessage(e) }, 'pg-boss stop failed'));
    if (pool) await pool.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
