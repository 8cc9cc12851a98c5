/**
 * A worker process of the orchestrator on the pg-boss queue, for the shared-workers test: the DAG
 * `fanout` (eight independent tasks, then `join`). Args: PG_URL table queue. Prints `ready`.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PgBossTaskQueue } from '../../../connectors/queue/index.ts';
import { createAlertSink } from '../../../jobs/orchestrator/alerts.ts';
import { noopTask, task, type DagSpec } from '../../../jobs/orchestrator/dag.ts';
import { Orchestrator } from '../../../jobs/orchestrator/engine.ts';

export function fanoutDag(): DagSpec {
  const parts = Array.from({ length: 8 }, (_, i) => task(`part_${i}`, [], 'a slice of work', () => new Promise((r) => setTimeout(r, 400)), { retries: 1, retryDelayMs: 0, timeoutMs: 30_000 }));
  return { id: 'fanout', description: '', schedule: null, timezone: 'UTC', slaMs: null, maxActiveRuns: 1, tasks: [...parts, noopTask('join', parts.map((p) => p.id), 'after every part')] };
}

export function pgQueue(url: string, table: string, queue: string): PgBossTaskQueue {
  return new PgBossTaskQueue({ url, table, queue, schema: 'pgboss', heartbeatSeconds: 10, superviseIntervalSeconds: 1, pollingIntervalSeconds: 0.5 }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, table, queueName] = process.argv.slice(2);
  if (!url || !table || !queueName) throw new Error('usage: dag-worker.ts PG_URL TABLE QUEUE');
  const queue = pgQueue(url, table, queueName);
  await queue.start();
  const logger = pino({ level: 'silent' });
  const o = new Orchestrator({ queue, dags: [fanoutDag()], alerts: createAlertSink({ metrics: new Registry(), logger }), logger });
  await o.startWorker(2);
  process.stdout.write('ready\n');
}
