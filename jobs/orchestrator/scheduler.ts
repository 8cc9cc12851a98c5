/**
 * Cron schedules (croner, with the DAG's time zone): each tick triggers the DAG's run for the
 * logical date of that moment in its zone (a run already there is resumed, not repeated). A DAG
 * with `maxActiveRuns` runs in flight skips the tick; a run not finished `slaMs` after its trigger
 * raises a deadline alert.
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { errorMessage } from '../../schema/errors.ts';
import type { AlertSink } from './alerts.ts';
import { dateIn, type DagSpec } from './dag.ts';
import type { Orchestrator } from './engine.ts';

export interface Scheduler {
  /** Next fire time of each scheduled DAG. */
  next(): Record<string, string | null>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  readonly orchestrator: Orchestrator;
  readonly alerts: AlertSink;
  readonly logger: Logger;
  /** Override of DAG schedules by id (e.g. a short one for `npm start`). */
  readonly schedules?: Readonly<Record<string, string>>;
  /** DAGs also triggered once at start. */
  readonly runAtStart?: readonly string[];
  /**
   * DAGs whose finished run of the current date runs again on the next tick (Airflow's "clear"):
   * for a short demo schedule that refreshes today's tables as data arrives.
   */
  readonly refreshOpenDate?: readonly string[];
}

export function startScheduler(o: SchedulerOptions): Scheduler {
  const log = o.logger.child({ component: 'scheduler' });
  const jobs = new Map<string, Cron>();
  const timers = new Set<NodeJS.Timeout>();
  const active = new Map<string, Set<string>>();
  let stopped = false;
  const aborter = new AbortController();

  const fire = async (dag: DagSpec): Promise<void> => {
    if (stopped) return;
    const date = dateIn(dag.timezone);
    const running = active.get(dag.id) ?? new Set<string>();
    active.set(dag.id, running);
    if (!running.has(date) && running.size >= dag.maxActiveRuns) {
      log.warn({ dag: dag.id, date, active: [...running] }, 'tick skipped: max active runs reached');
      return;
    }
    const first = !running.has(date);
    running.add(date);
    try {
      const refresh = first && (o.refreshOpenDate ?? []).includes(dag.id);
      const s = await o.orchestrator.trigger(dag.id, date, refresh ? { rerun: 'finished' } : {});
      if (first && dag.slaMs !== null) {
        const t = setTimeout(() => {
          timers.delete(t);
          void o.orchestrator.status(dag.id, date).then(async (now) => {
            if (now.state !== 'succeeded') await o.alerts.raise({ severity: 'error', kind: 'deadline', dag: dag.id, task: null, source: null, logicalDate: date, message: `DAG ${dag.id} for ${date} missed its deadline of ${Math.round((dag.slaMs ?? 0) / 1000)} s (state ${now.state})` });
          }).catch((e: unknown) => log.error({ err: errorMessage(e) }, 'deadline check failed'));
        }, dag.slaMs);
        t.unref();
        timers.add(t);
      }
      if (s.state === 'succeeded' || s.state === 'failed') running.delete(date);
      else void o.orchestrator.waitFor(dag.id, date, { signal: aborter.signal }).finally(() => running.delete(date));
    } catch (e) {
      running.delete(date);
      log.error({ dag: dag.id, date, err: errorMessage(e) }, 'trigger failed');
    }
  };

  for (const dag of o.orchestrator.dags()) {
    const pattern = o.schedules?.[dag.id] ?? dag.schedule;
    if (!pattern) continue;
    const job = new Cron(pattern, { timezone: dag.timezone, protect: true, name: `dag:${dag.id}`, catch: (e: unknown) => log.error({ dag: dag.id, err: errorMessage(e) }, 'scheduled run failed') }, () => fire(dag));
    jobs.set(dag.id, job);
    if (o.runAtStart?.includes(dag.id)) void fire(dag);
  }
  log.info({ dags: [...jobs.keys()] }, 'scheduler started');

  return {
    next: () => Object.fromEntries([...jobs].map(([id, j]) => [id, j.nextRun()?.toISOString() ?? null])),
    stop: async () => {
      stopped = true;
      aborter.abort();
      for (const j of jobs.values()) j.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
