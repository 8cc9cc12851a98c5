/**
 * TaskQueue in process (embedded profile). Runs and their history live in memory and in one JSON
 * file in the data dir (written to a temp file and renamed, so a crash leaves the old or the new
 * state). On start, runs a previous process left queued, running or retrying are queued again.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import { backoffMs, isNonRetryable, taskId, TERMINAL_STATES, type RunFilter, type TaskKey, type TaskPolicy, type TaskQueue, type TaskRun, type WorkerHandle, type WorkOptions } from '../contracts/task-queue.ts';

export const localTaskQueueConfigSchema = z.object({
  /** State file; omit for memory only (tests). */
  path: z.string().min(1).optional(),
  /** Runs kept in the history (oldest terminal ones dropped first). */
  maxHistory: z.number().int().min(10).default(5000),
}).strict();

export type LocalTaskQueueConfig = z.output<typeof localTaskQueueConfigSchema>;

interface Entry {
  run: TaskRun;
  policy: TaskPolicy;
  /** Epoch ms before which the next attempt must not start. */
  notBefore: number;
}

interface Worker {
  readonly id: string;
  readonly options: WorkOptions;
  readonly inFlight: Set<Promise<void>>;
  readonly controllers: Set<AbortController>;
  stopped: boolean;
}

export class LocalTaskQueue implements TaskQueue {
  readonly capability = 'taskQueue' as const;
  readonly kind = 'local';
  readonly features: ReadonlySet<string> = new Set<string>();
  readonly #config: LocalTaskQueueConfig;
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  readonly #workers = new Set<Worker>();
  #timer: NodeJS.Timeout | null = null;
  #saving: Promise<void> = Promise.resolve();
  #started = false;
  #closed = false;

  constructor(config: LocalTaskQueueConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'taskQueue/local' });
  }

  async start(): Promise<void> {
    if (this.#started) return;
    if (this.#closed) throw new PlatformError('CONNECTOR_NOT_STARTED', 'taskQueue/local is closed');
    const path = this.#config.path;
    if (path) {
      let text: string | null = null;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PlatformError('CONNECTOR_UNAVAILABLE', `taskQueue/local cannot read ${path}: ${errorMessage(e)}`, { path });
      }
      if (text) {
        const saved = JSON.parse(text) as { entries: Entry[] };
        for (const e of saved.entries) {
          const interrupted = !TERMINAL_STATES.has(e.run.state);
          this.#entries.set(taskId(e.run), interrupted ? { ...e, run: { ...e.run, state: 'queued', worker: null }, notBefore: 0 } : e);
        }
      }
    }
    this.#started = true;
  }

  async health(): Promise<HealthReport> {
    return { ok: this.#started && !this.#closed, detail: this.#closed ? 'closed' : `${this.#entries.size} runs` };
  }

  #require(): void {
    if (!this.#started || this.#closed) throw new PlatformError('CONNECTOR_NOT_STARTED', 'taskQueue/local is not started');
  }

  async enqueue(key: TaskKey, policy: TaskPolicy, options: { readonly rerunFailed?: boolean } = {}): Promise<boolean> {
    this.#require();
    const id = taskId(key);
    const existing = this.#entries.get(id);
    if (existing && !(options.rerunFailed && (existing.run.state === 'failed' || existing.run.state === 'skipped'))) return false;
    const run: TaskRun = { dag: key.dag, task: key.task, logicalDate: key.logicalDate, state: 'queued', attempts: 0, queuedAt: Date.now(), startedAt: null, finishedAt: null, error: null, worker: null };
    this.#entries.delete(id); // re-insert at the end: the history stays in queue order
    this.#entries.set(id, { run, policy, notBefore: 0 });
    await this.#save();
    this.#kick();
    return true;
  }

  async skip(keys: readonly TaskKey[], reason: string): Promise<void> {
    this.#require();
    const now = Date.now();
    let changed = false;
    for (const key of keys) {
      const id = taskId(key);
      if (this.#entries.has(id)) continue;
      const run: TaskRun = { dag: key.dag, task: key.task, logicalDate: key.logicalDate, state: 'skipped', attempts: 0, queuedAt: now, startedAt: null, finishedAt: now, error: reason, worker: null };
      this.#entries.set(id, { run, policy: { retries: 0, retryDelayMs: 0, timeoutMs: 0 }, notBefore: 0 });
      changed = true;
    }
    if (changed) await this.#save();
  }

  async reset(keys: readonly TaskKey[]): Promise<void> {
    this.#require();
    let changed = false;
    for (const k of keys) {
      const id = taskId(k);
      const e = this.#entries.get(id);
      if (e && TERMINAL_STATES.has(e.run.state)) {
        this.#entries.delete(id);
        changed = true;
      }
    }
    if (changed) await this.#save();
  }

  async work(options: WorkOptions): Promise<WorkerHandle> {
    this.#require();
    const worker: Worker = { id: `local-${randomUUID().slice(0, 8)}`, options, inFlight: new Set(), controllers: new Set(), stopped: false };
    this.#workers.add(worker);
    this.#kick();
    return {
      id: worker.id,
      stop: async () => {
        worker.stopped = true;
        this.#workers.delete(worker);
        await Promise.allSettled([...worker.inFlight]);
      },
    };
  }

  async runs(filter: RunFilter = {}): Promise<TaskRun[]> {
    const out = [...this.#entries.values()].map((e) => e.run).filter((r) => (!filter.dag || r.dag === filter.dag) && (!filter.task || r.task === filter.task) && (!filter.logicalDate || r.logicalDate === filter.logicalDate));
    out.reverse();
    return filter.last !== undefined ? out.slice(0, filter.last) : out;
  }

  /** Starts every due run a worker has room for; re-arms the timer for the next due one. */
  #kick(): void {
    if (this.#closed) return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const now = Date.now();
    let next = Infinity;
    for (const entry of this.#entries.values()) {
      const s = entry.run.state;
      if (s !== 'queued' && s !== 'retrying') continue;
      if (entry.notBefore > now) {
        next = Math.min(next, entry.notBefore);
        continue;
      }
      const worker = [...this.#workers].find((w) => !w.stopped && w.inFlight.size < w.options.concurrency);
      if (!worker) break;
      this.#startAttempt(worker, entry);
    }
    if (next !== Infinity && this.#workers.size > 0) this.#timer = setTimeout(() => this.#kick(), Math.max(1, next - now));
  }

  #startAttempt(worker: Worker, entry: Entry): void {
    const attempt = entry.run.attempts + 1;
    entry.run = { ...entry.run, state: 'running', attempts: attempt, startedAt: Date.now(), worker: worker.id };
    const controller = new AbortController();
    worker.controllers.add(controller);
    const key: TaskKey = { dag: entry.run.dag, task: entry.run.task, logicalDate: entry.run.logicalDate };
    const p = (async () => {
      await this.#save();
      let timer: NodeJS.Timeout | null = null;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`task ${taskId(key)} timed out after ${entry.policy.timeoutMs} ms`));
          controller.abort(new Error(`timed out after ${entry.policy.timeoutMs} ms`));
        }, entry.policy.timeoutMs);
      });
      let failure: unknown = null;
      try {
        await Promise.race([worker.options.handler({ ...key, attempt, signal: controller.signal }), timeout]);
      } catch (e) {
        failure = e;
      } finally {
        if (timer) clearTimeout(timer);
      }
      const now = Date.now();
      if (failure === null) {
        entry.run = { ...entry.run, state: 'succeeded', finishedAt: now, error: null };
      } else if (attempt <= entry.policy.retries && !isNonRetryable(failure)) {
        entry.run = { ...entry.run, state: 'retrying', error: errorMessage(failure) };
        entry.notBefore = now + backoffMs(entry.policy, attempt);
        this.#log.warn({ task: taskId(key), attempt, err: errorMessage(failure) }, 'task attempt failed, retrying');
      } else {
        entry.run = { ...entry.run, state: 'failed', finishedAt: now, error: errorMessage(failure) };
      }
      await this.#save();
      if (entry.run.state !== 'retrying' && worker.options.onSettled) {
        await worker.options.onSettled(entry.run).catch((e: unknown) => this.#log.error({ err: errorMessage(e) }, 'onSettled failed'));
      }
    })();
    worker.inFlight.add(p);
    void p.finally(() => {
      worker.inFlight.delete(p);
      worker.controllers.delete(controller);
      this.#kick();
    });
  }

  #save(): Promise<void> {
    const path = this.#config.path;
    this.#trim();
    if (!path) return Promise.resolve();
    const snapshot = JSON.stringify({ entries: [...this.#entries.values()] });
    this.#saving = this.#saving.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, snapshot, 'utf8');
      await rename(tmp, path);
    });
    return this.#saving;
  }

  #trim(): void {
    let excess = this.#entries.size - this.#config.maxHistory;
    for (const [id, e] of this.#entries) {
      if (excess <= 0) break;
      if (TERMINAL_STATES.has(e.run.state)) {
        this.#entries.delete(id);
        excess--;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const w of this.#workers) {
      w.stopped = true;
      for (const c of w.controllers) c.abort(new Error('task queue closing'));
    }
    await Promise.allSettled([...this.#workers].flatMap((w) => [...w.inFlight]));
    this.#workers.clear();
    await this.#saving;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
