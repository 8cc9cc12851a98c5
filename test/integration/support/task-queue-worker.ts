/**
 * A worker process of the pg-boss task queue for the kill -9 test: takes tasks, prints
 * `started <task> <attempt>` when one begins, and never finishes a task named `hang` (it waits to be
 * killed). Args: PG_URL table queue.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PgBossTaskQueue } from '../../../connectors/queue/index.ts';

const [url, table, queueName] = process.argv.slice(2);
if (!url || !table || !queueName) throw new Error('usage: task-queue-worker.ts PG_URL TABLE QUEUE');
const queue = new PgBossTaskQueue({ url, table, queue: queueName, schema: 'pgboss', heartbeatSeconds: 10, superviseIntervalSeconds: 1, pollingIntervalSeconds: 0.5 }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
await queue.start();
await queue.work({
  concurrency: 1,
  handler: async (a) => {
    process.stdout.write(`started ${a.task} ${a.attempt}\n`);
    if (a.task === 'hang') await new Promise(() => undefined);
  },
});
process.stdout.write('ready\n');
