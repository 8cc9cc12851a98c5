/**
 * TaskQueue: the orchestrator's runner. Task runs are keyed by (dag, task, logical date): enqueueing a
 * key that already has a run is a no-op, so a rerun of a DAG is idempotent. Workers (one or several
 * processes) take queued runs, retry failures with exponential backoff, end an attempt at its
 * timeout, and keep the run history. Implementations: `local` (in-process, state in the data dir),
 * `pg-boss` (durable queue on PostgreSQL: several worker processes share tasks; a task of a worker
 * killed with kill -9 is retried by another after its heartbeat lapses).
 *
 * Semantics every implementation keeps (test/conformance/task-queue.suite.ts checks them):
 * - `enqueue` of a key with a run in any state other than failed/skipped returns false and does nothing;
 *   a failed/skipped run is queued again only with `rerunFailed`.
 * - An attempt that throws (or passes `timeoutMs`, its signal aborted) is retried after
 *   `retryDelayMs * 2^(attempt-1)` while attempts <= retries; then the run is `failed`.
 *   A `TaskQueue.nonRetryable` error fails the run at once.
 * - `onSettled` is called once per run that reached succeeded/failed in this worker.
 * - At most `concurrency` attempts run at once per worker.
 */
import type { Connector } from './connector.ts';

export interface TaskKey {
  readonly dag: string;
  readonly task: string;
  /** YYYY-MM-DD (the DAG run's logical date). */
  readonly logicalDate: string;
}

export interface TaskPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  /** First retry delay; doubles each attempt. */
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
}

export type TaskState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped';
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'skipped']);

export interface TaskRun extends TaskKey {
  readonly state: TaskState;
  readonly attempts: number;
  readonly queuedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
  readonly worker: string | null;
}

export interface TaskAttempt extends TaskKey {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted at the timeout (or when the worker stops). */
  readonly signal: AbortSignal;
}

export interface WorkOptions {
  readonly concurrency: number;
  readonly handler: (attempt: TaskAttempt) => Promise<void>;
  /** After a run reached succeeded or failed in this worker. */
  readonly onSettled?: (run: TaskRun) => Promise<void>;
}

export interface WorkerHandle {
  readonly id: string;
  /** Waits for attempts in flight, takes no new ones. */
  stop(): Promise<void>;
}

export interface RunFilter {
  readonly dag?: string;
  readonly task?: string;
  readonly logicalDate?: string;
  /** Newest first, at most this many. */
  readonly last?: number;
}

export interface TaskQueue extends Connector {
  readonly capability: 'taskQueue';
  /** True when a run was queued. */
  enqueue(key: TaskKey, policy: TaskPolicy, options?: { readonly rerunFailed?: boolean }): Promise<boolean>;
  /** Marks keys skipped with `reason` (an upstream failed), unless they already have a run. */
  skip(keys: readonly TaskKey[], reason: string): Promise<void>;
  /** Forgets the finished runs of `keys` (Airflow's "clear"): they can be enqueued again. Runs in flight are kept. */
  reset(keys: readonly TaskKey[]): Promise<void>;
  work(options: WorkOptions): Promise<WorkerHandle>;
  runs(filter?: RunFilter): Promise<TaskRun[]>;
}

/** Thrown by a task to fail its run without retries (e.g. a quality test of severity error). */
export class NonRetryableTaskError extends Error {
  readonly nonRetryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NonRetryableTaskError';
  }
}

export function isNonRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { nonRetryable?: unknown }).nonRetryable === true;
}

export function taskId(key: TaskKey): string {
  return `${key.dag}/${key.task}/${key.logicalDate}`;
}

export function backoffMs(policy: TaskPolicy, attempt: number): number {
  return policy.retryDelayMs * 2 ** Math.max(0, attempt - 1);
}
