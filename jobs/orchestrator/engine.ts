/**
 * The orchestrator: DAG runs over a TaskQueue. `advance(dag, date)` is a pure step over the run
 * history: it enqueues every task whose upstreams all succeeded (the queue's key makes that
 * idempotent) and marks skipped every task below a failed or skipped one. It runs when a DAG run is
 * triggered, after every task settles, and on every poll of a waiter, so a worker that dies between
 * a task's success and the enqueue of the next one delays the run, never stalls it.
 */
import type { Logger } from 'pino';
import type { TaskQueue, TaskRun, WorkerHandle } from '../../connectors/contracts/task-queue.ts';
import { TERMINAL_STATES } from '../../connectors/contracts/task-queue.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { AlertSink } from './alerts.ts';
import { checkDate, downstreamOf, validateDag, type DagSpec } from './dag.ts';

export type DagRunState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface DagRunStatus {
  readonly dag: string;
  readonly logicalDate: string;
  readonly state: DagRunState;
  readonly tasks: readonly TaskRun[];
}

export interface OrchestratorOptions {
  readonly queue: TaskQueue;
  readonly dags: readonly DagSpec[];
  readonly alerts: AlertSink;
  readonly logger: Logger;
}

const POLL_MS = 200;

export class Orchestrator {
  readonly #queue: TaskQueue;
  readonly #dags = new Map<string, DagSpec>();
  readonly #alerts: AlertSink;
  readonly #log: Logger;
  #worker: WorkerHandle | null = null;
  /** Tasks settled by this process's worker. */
  readonly stats = { succeeded: 0, failed: 0 };

  constructor(o: OrchestratorOptions) {
    this.#queue = o.queue;
    this.#alerts = o.alerts;
    this.#log = o.logger.child({ component: 'orchestrator' });
    for (const d of o.dags) this.#dags.set(d.id, validateDag(d));
  }

  get queue(): TaskQueue {
    return this.#queue;
  }

  dags(): DagSpec[] {
    return [...this.#dags.values()];
  }

  dag(id: string): DagSpec {
    const d = this.#dags.get(id);
    if (!d) throw new PlatformError('PIPELINE_DAG_UNKNOWN', `unknown DAG "${id}" (known: ${[...this.#dags.keys()].join(', ')})`, { dag: id });
    return d;
  }

  /**
   * Starts (or resumes) the run of `dag` for `logicalDate`. `rerun: 'failed'` clears its failed and
   * skipped tasks first (they run again), `rerun: 'finished'` clears every finished task (the whole
   * run again, Airflow's "clear"); tasks in flight are left alone.
   */
  async trigger(dagId: string, logicalDate: string, o: { readonly rerun?: 'failed' | 'finished' } = {}): Promise<DagRunStatus> {
    const dag = this.dag(dagId);
    checkDate(logicalDate, 'logical date');
    if (o.rerun) {
      const runs = await this.#queue.runs({ dag: dag.id, logicalDate });
      const clear = runs.filter((r) => (o.rerun === 'finished' ? TERMINAL_STATES.has(r.state) : r.state === 'failed' || r.state === 'skipped'));
      if (clear.length) await this.#queue.reset(clear);
    }
    return this.advance(dag.id, logicalDate);
  }

  async advance(dagId: string, logicalDate: string): Promise<DagRunStatus> {
    const dag = this.dag(dagId);
    const runs = await this.#queue.runs({ dag: dag.id, logicalDate });
    const state = new Map(runs.map((r) => [r.task, r.state]));
    const blocked = new Set<string>();
    for (const t of dag.tasks) {
      const s = state.get(t.id);
      if (s === 'failed' || s === 'skipped') for (const d of downstreamOf(dag, t.id)) blocked.add(d);
    }
    const toSkip = [...blocked].filter((id) => !state.has(id));
    if (toSkip.length) await this.#queue.skip(toSkip.map((task) => ({ dag: dag.id, task, logicalDate })), 'an upstream task failed');
    for (const t of dag.tasks) {
      if (state.has(t.id) || blocked.has(t.id)) continue;
      if (t.upstream.every((u) => state.get(u) === 'succeeded')) await this.#queue.enqueue({ dag: dag.id, task: t.id, logicalDate }, t.policy);
    }
    return this.status(dag.id, logicalDate);
  }

  async status(dagId: string, logicalDate: string): Promise<DagRunStatus> {
    const dag = this.dag(dagId);
    const runs = await this.#queue.runs({ dag: dag.id, logicalDate });
    const byTask = new Map(runs.map((r) => [r.task, r]));
    const tasks = dag.tasks.map((t) => byTask.get(t.id)).filter((r): r is TaskRun => r !== undefined);
    let s: DagRunState;
    if (tasks.length === 0) s = 'queued';
    else if (tasks.length < dag.tasks.length || tasks.some((r) => !TERMINAL_STATES.has(r.state))) s = 'running';
    else s = tasks.every((r) => r.state === 'succeeded') ? 'succeeded' : 'failed';
    return { dag: dag.id, logicalDate, state: s, tasks };
  }

  /** Polls (advancing) until the run is succeeded or failed. */
  async waitFor(dagId: string, logicalDate: string, o: { readonly signal?: AbortSignal; readonly onProgress?: (s: DagRunStatus) => void } = {}): Promise<DagRunStatus> {
    for (;;) {
      const s = await this.advance(dagId, logicalDate);
      o.onProgress?.(s);
      if (s.state === 'succeeded' || s.state === 'failed') return s;
      if (o.signal?.aborted) return s;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Takes tasks of every DAG from the queue (this process is a worker). */
  async startWorker(concurrency: number): Promise<void> {
    if (this.#worker) return;
    this.#worker = await this.#queue.work({
      concurrency,
      handler: async (a) => {
        const spec = this.#dags.get(a.dag)?.tasks.find((t) => t.id === a.task);
        if (!spec) throw new PlatformError('PIPELINE_DAG_UNKNOWN', `no task ${a.dag}.${a.task} in this process`);
        if (spec.noop) this.#log.info({ dag: a.dag, task: a.task, logicalDate: a.logicalDate }, `task ${a.task} is a placeholder (no-op)`);
        await spec.run({ dag: a.dag, task: a.task, logicalDate: a.logicalDate, attempt: a.attempt, signal: a.signal });
      },
      onSettled: async (run) => {
        if (run.state === 'succeeded') this.stats.succeeded++;
        if (run.state === 'failed') {
          this.stats.failed++;
          await this.#alerts.raise({ severity: 'error', kind: 'task', dag: run.dag, task: run.task, source: null, logicalDate: run.logicalDate, message: `task ${run.dag}.${run.task} failed for ${run.logicalDate} after ${run.attempts} attempt(s): ${run.error ?? ''}` });
        }
        if (this.#dags.has(run.dag)) await this.advance(run.dag, run.logicalDate);
      },
    });
  }

  async stop(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.stop();
  }
}
