/**
 * DAGs in code, as an Airflow user writes them: a DAG has an id, a cron schedule with a time zone,
 * a deadline (SLA), a limit of concurrent runs, and tasks with upstreams, retries (exponential
 * backoff), a timeout and a function. A run of a DAG is identified by its logical date.
 */
import type { TaskPolicy } from '../../connectors/contracts/task-queue.ts';
import { PlatformError } from '../../schema/errors.ts';

export interface TaskContext {
  readonly dag: string;
  readonly task: string;
  readonly logicalDate: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

export interface TaskSpec {
  readonly id: string;
  readonly upstream: readonly string[];
  readonly description: string;
  readonly policy: TaskPolicy;
  /** A task kept as a placeholder for another team (it succeeds and does nothing, and says so). */
  readonly noop?: boolean;
  run(ctx: TaskContext): Promise<void>;
}

export interface DagSpec {
  readonly id: string;
  readonly description: string;
  /** Cron (5 or 6 fields, croner syntax) or null: triggered only by hand / backfill. */
  readonly schedule: string | null;
  readonly timezone: string;
  /** A run not finished this long after it was triggered raises a deadline alert. */
  readonly slaMs: number | null;
  /** Runs of this DAG (logical dates) in flight at once. */
  readonly maxActiveRuns: number;
  readonly tasks: readonly TaskSpec[];
}

export const DEFAULT_POLICY: TaskPolicy = { retries: 2, retryDelayMs: 2_000, timeoutMs: 10 * 60_000 };

export function task(id: string, upstream: readonly string[], description: string, run: TaskSpec['run'], policy: Partial<TaskPolicy> = {}): TaskSpec {
  return { id, upstream, description, policy: { ...DEFAULT_POLICY, ...policy }, run };
}

/** A placeholder task: succeeds at once and logs that it is one. */
export function noopTask(id: string, upstream: readonly string[], description: string): TaskSpec {
  return { id, upstream, description, policy: { ...DEFAULT_POLICY, retries: 0 }, noop: true, run: async () => undefined };
}

/** Checks task ids are unique, upstreams exist and there is no cycle. */
export function validateDag(dag: DagSpec): DagSpec {
  const ids = new Set<string>();
  for (const t of dag.tasks) {
    if (ids.has(t.id)) throw new PlatformError('PIPELINE_MODEL_INVALID', `DAG ${dag.id}: task ${t.id} is defined twice`);
    ids.add(t.id);
  }
  for (const t of dag.tasks) for (const u of t.upstream) if (!ids.has(u)) throw new PlatformError('PIPELINE_MODEL_INVALID', `DAG ${dag.id}: task ${t.id} has unknown upstream ${u}`);
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(dag.tasks.map((t) => [t.id, t]));
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new PlatformError('PIPELINE_MODEL_INVALID', `DAG ${dag.id}: cycle ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const u of byId.get(id)?.upstream ?? []) visit(u, [...path, id]);
    state.set(id, 'done');
  };
  for (const t of dag.tasks) visit(t.id, []);
  return dag;
}

/** Every task downstream of `id` (transitively). */
export function downstreamOf(dag: DagSpec, id: string): string[] {
  const out = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const cur = stack.pop() as string;
    for (const t of dag.tasks) {
      if (t.upstream.includes(cur) && !out.has(t.id)) {
        out.add(t.id);
        stack.push(t.id);
      }
    }
  }
  return [...out];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkDate(d: string, what = 'date'): string {
  if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new PlatformError('BAD_USER_INPUT', `${what} must be YYYY-MM-DD, got "${d}"`);
  return d;
}

/** The calendar date of `at` in `timezone` (the logical date of a run triggered then). */
export function dateIn(timezone: string, at: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  return parts;
}

/** Dates from `from` to `to` inclusive. */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  let t = Date.parse(`${checkDate(from, '--from')}T00:00:00Z`);
  const end = Date.parse(`${checkDate(to, '--to')}T00:00:00Z`);
  if (end < t) throw new PlatformError('BAD_USER_INPUT', `--to ${to} is before --from ${from}`);
  for (; t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
